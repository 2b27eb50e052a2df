import { useTranslation } from "react-i18next";
import { formatCst } from "#app/domain/tender-form";
import { dayEnd } from "./case-nav";

type Complaint = {
  status: string;
  body: string;
  filedAt: string;
  acceptDueAt: string;
  acceptedAt: string | null;
  refusedAt: string | null;
  refusalReason: string | null;
  decisionDueAt: string | null;
  decidedAt: string | null;
  outcome: string | null;
  decision: string | null;
  suspended: boolean;
  objectionKind: string;
  projectCode: string;
  projectTitle: string;
  sectionCode: string | null;
  sectionTitle: string | null;
  complainant: string;
  filedByName: string;
  supervisor: string | null;
};
type Objection = { body: string; answer: string | null; answeredAt: string | null; answerDueAt: string; filedAt: string } | null;

/** A complaint (R53) and the objection it follows, as both sides read it. */
export function ComplaintView({ c, objection }: { c: Complaint; objection: Objection }) {
  const { t } = useTranslation("supervision");
  return (
    <>
      <section className="card">
        <dl className="kv">
          <dt>{t("complaints.col.project")}</dt>
          <dd>
            {c.projectCode} {c.projectTitle}
          </dd>
          <dt>{t("complaints.detail.section")}</dt>
          <dd>{c.sectionCode ? `${c.sectionCode} ${c.sectionTitle ?? ""}` : t("complaints.detail.wholeProject")}</dd>
          <dt>{t("complaints.col.complainant")}</dt>
          <dd>
            {c.complainant} · {t("complaints.detail.filedBy")} {c.filedByName}
          </dd>
          <dt>{t("complaints.col.filedAt")}</dt>
          <dd>{formatCst(c.filedAt)}</dd>
          <dt>{t("complaints.detail.supervisor")}</dt>
          <dd>{c.supervisor ?? "—"}</dd>
          <dt>{t("complaints.col.status")}</dt>
          <dd data-testid="complaint-status">
            {t(`complaints.status.${c.status}`)}
            {c.suspended ? ` · ${t("complaints.suspended")}` : ""}
          </dd>
          {c.status === "filed" && (
            <>
              <dt>{t("complaints.col.due")}</dt>
              <dd>{t("complaints.acceptDue", { due: dayEnd(c.acceptDueAt, formatCst) })}</dd>
            </>
          )}
          {c.acceptedAt && (
            <>
              <dt>{t("complaints.detail.acceptedAt")}</dt>
              <dd>
                {formatCst(c.acceptedAt)} · {t("complaints.decisionDue", { due: dayEnd(c.decisionDueAt, formatCst) })}
              </dd>
            </>
          )}
          {c.refusedAt && (
            <>
              <dt>{t("complaints.detail.refusedAt")}</dt>
              <dd>{formatCst(c.refusedAt)}</dd>
              <dt>{t("complaints.detail.refusalReason")}</dt>
              <dd className="notice-body">{c.refusalReason}</dd>
            </>
          )}
          {c.decidedAt && (
            <>
              <dt>{t("complaints.detail.decidedAt")}</dt>
              <dd>
                {formatCst(c.decidedAt)} · <strong data-testid="complaint-outcome">{c.outcome ? t(`complaints.outcome.${c.outcome}`) : ""}</strong>
              </dd>
              <dt>{t("complaints.detail.decision")}</dt>
              <dd className="notice-body" data-testid="complaint-decision">
                {c.decision}
              </dd>
            </>
          )}
        </dl>
      </section>
      <section className="card">
        <h2>{t("complaints.detail.body")}</h2>
        <p className="notice-body" data-testid="complaint-body">
          {c.body}
        </p>
        <h3>
          {t("complaints.detail.objection")} <span className="muted small">{t(`complaints.kind.${c.objectionKind}`, { defaultValue: c.objectionKind })}</span>
        </h3>
        {objection && (
          <>
            <p className="notice-body">{objection.body}</p>
            <p className="small">
              {objection.answer ? (
                <>
                  <strong>{t("complaints.detail.objectionAnswer")}</strong> ({formatCst(objection.answeredAt)}): <span className="notice-body">{objection.answer}</span>
                </>
              ) : (
                t("complaints.detail.notAnswered", { due: dayEnd(objection.answerDueAt, formatCst) })
              )}
            </p>
          </>
        )}
      </section>
    </>
  );
}
