import { useTranslation } from "react-i18next";
import { formatCst, formatYuan } from "#app/domain/tender-form";

/** A section's public results as the loader serialises them (app/services/results/public.server.ts). */
type Candidate = { rank: number; name: string; priceFen: number; quality: string; durationDays: string; projectManager: string; total: string | null; groups: Record<string, string> | null };
type Bidder = { name: string; priceFen: number; valid: boolean; rank: number | null; total: string | null; groups: Record<string, string> | null; reasons?: string[] };
export type SectionResultsView = {
  sectionId: string;
  code: string;
  title: string;
  stage: string;
  publicity: {
    number: string | null;
    documentId: string | null;
    startedAt: string;
    endsAt: string | null;
    endedAt: string | null;
    suspended: boolean;
    candidates: Candidate[];
    bidders: Bidder[];
    rejected: number;
    reasonsPublished: boolean;
  } | null;
  objections: { id: string; body: string; filedAt: string; answer: string; answeredAt: string; outcome: "dismissed" | "recheck" | "end" }[];
  pendingObjections: number;
  announcement: { number: string | null; documentId: string | null; date: string; winner: string; amountFen: number; durationDays: string; quality: string; projectManager: string } | null;
  contract: { winner: string; amountFen: number; signedOn: string; documentId: string | null } | null;
  documents: { id: string; kind: "publicity" | "result_announcement" | "contract"; number: string; filename: string; size: number; sha256: string; issuedAt: string }[];
};

/** A period ending at 24:00 China time reads as that day's 24:00, not the next midnight (R2). */
function dayEnd(iso: string): string {
  return `${formatCst(new Date(new Date(iso).getTime() - 1)).slice(0, 10)} 24:00`;
}

function Score({ total, groups }: { total: string | null; groups: Record<string, string> | null }) {
  const { t } = useTranslation("portal");
  if (total === null) return <>—</>;
  const parts = (["technical", "business", "price"] as const).filter((g) => groups?.[g]).map((g) => `${t(`results.groups.${g}`)} ${groups![g]}`);
  return (
    <>
      {total}
      {parts.length > 0 && <span className="muted small">（{parts.join(" / ")}）</span>}
    </>
  );
}

/**
 * The "定标结果 / Results" panel of one section on the public tender page: the stage, the candidate publicity as
 * publicised (R51), answered objections without the objector (R52), the result announcement (R56/R58), the contract
 * facts (R58) and the public documents. `objectLink`: where a bidder of the section files an objection.
 */
export function ResultsPanel({ projectId, r, objectLink }: { projectId: string; r: SectionResultsView; objectLink: string | null }) {
  const { t } = useTranslation("portal");
  const pdf = (id: string) => `/tenders/${projectId}/results/${id}.pdf`;
  const p = r.publicity;
  const nothing = !p && !r.announcement && !r.contract && r.objections.length === 0;
  return (
    <section className="card results-panel" id={`section-${r.sectionId}`} data-testid={`results-${r.code}`}>
      <h3>
        {t("results.title")} · {r.code} {r.title}{" "}
        <span className={`tag tag-stage-${r.stage}`} data-testid="results-stage">
          {t(`results.stages.${r.stage}`)}
        </span>
      </h3>
      {nothing && <p className="muted small">{t("results.none")}</p>}

      {p && (
        <div data-testid="publicity">
          <h4>
            {t("results.publicityTitle")}
            {p.number ? ` ${p.number}` : ""}
          </h4>
          <p className="small">
            {t("results.publicityPeriod", { start: formatCst(p.startedAt), end: p.endsAt ? dayEnd(p.endsAt) : "—" })}
            {p.endedAt && ` ${t("results.publicityEnded", { at: formatCst(p.endedAt) })}`}
          </p>
          {p.suspended && (
            <p className="alert alert-warn" role="status" data-testid="publicity-suspended">
              {t("results.suspendedNote")}
            </p>
          )}
          <table data-testid="candidates">
            <thead>
              <tr>
                <th>{t("results.rank")}</th>
                <th>{t("results.candidate")}</th>
                <th className="num">{t("results.price")}</th>
                <th>{t("results.quality")}</th>
                <th>{t("results.duration")}</th>
                <th>{t("results.manager")}</th>
                <th>{t("results.score")}</th>
              </tr>
            </thead>
            <tbody>
              {p.candidates.map((c) => (
                <tr key={c.rank}>
                  <td>{t("results.rankN", { rank: c.rank })}</td>
                  <td>{c.name}</td>
                  <td className="num">{formatYuan(c.priceFen)}</td>
                  <td>{c.quality || "—"}</td>
                  <td>{c.durationDays ? t("results.days", { n: c.durationDays }) : "—"}</td>
                  <td>{c.projectManager || "—"}</td>
                  <td>
                    <Score total={c.total} groups={c.groups} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <details>
            <summary className="small">{t("results.biddersTitle")}</summary>
            <table className="small" data-testid="bidders">
              <thead>
                <tr>
                  <th>{t("results.bidder")}</th>
                  <th className="num">{t("results.price")}</th>
                  <th>{t("results.conclusion")}</th>
                  <th>{t("results.score")}</th>
                  {p.reasonsPublished && <th>{t("results.reasons")}</th>}
                </tr>
              </thead>
              <tbody>
                {p.bidders.map((b, i) => (
                  <tr key={i}>
                    <td>{b.name}</td>
                    <td className="num">{formatYuan(b.priceFen)}</td>
                    <td>{b.valid ? (b.rank ? t("results.validRank", { rank: b.rank }) : t("results.valid")) : t("results.rejected")}</td>
                    <td>{b.valid ? <Score total={b.total} groups={b.groups} /> : "—"}</td>
                    {p.reasonsPublished && <td>{b.reasons?.join(t("detail.listSep")) ?? ""}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
            {p.rejected > 0 && !p.reasonsPublished && <p className="muted small">{t("results.rejectedNote", { n: p.rejected })}</p>}
          </details>
          {!r.announcement && <p className="muted small">{t("results.membersSecret")}</p>}
          {objectLink && (r.stage === "publicity" || r.stage === "publicity_suspended") && (
            <p className="small">
              <a href={objectLink}>{t("results.objectHere")}</a>
            </p>
          )}
        </div>
      )}

      {(r.objections.length > 0 || r.pendingObjections > 0) && (
        <div data-testid="result-objections">
          <h4>{t("results.objectionsTitle")}</h4>
          <p className="muted small">
            {t("results.anonymous")}
            {r.pendingObjections > 0 && ` ${t("results.pending", { count: r.pendingObjections })}`}
          </p>
          {r.objections.map((o) => (
            <div className="qa" key={o.id} data-testid="result-objection">
              <div className="q notice-body">{t("results.objection", { body: o.body })}</div>
              <div className="a notice-body">{t("results.answer", { body: o.answer })}</div>
              <div className="small">
                <span className="tag">{t(`results.outcomes.${o.outcome}`)}</span>{" "}
                <span className="muted">{t("results.objectionDates", { filed: formatCst(o.filedAt), answered: formatCst(o.answeredAt) })}</span>
              </div>
            </div>
          ))}
        </div>
      )}

      {r.announcement && (
        <div data-testid="announcement">
          <h4>
            {t("results.announcementTitle")}
            {r.announcement.number ? ` ${r.announcement.number}` : ""}
          </h4>
          <dl className="kv">
            <dt>{t("results.winner")}</dt>
            <dd data-testid="winner">{r.announcement.winner}</dd>
            <dt>{t("results.amount")}</dt>
            <dd>¥{formatYuan(r.announcement.amountFen)}</dd>
            <dt>{t("results.duration")}</dt>
            <dd>{r.announcement.durationDays ? t("results.days", { n: r.announcement.durationDays }) : "—"}</dd>
            <dt>{t("results.quality")}</dt>
            <dd>{r.announcement.quality || "—"}</dd>
            <dt>{t("results.manager")}</dt>
            <dd>{r.announcement.projectManager || "—"}</dd>
            <dt>{t("results.announcedOn")}</dt>
            <dd>{formatCst(r.announcement.date).slice(0, 10)}</dd>
          </dl>
        </div>
      )}

      {r.contract && (
        <div data-testid="contract">
          <h4>{t("results.contractTitle")}</h4>
          <dl className="kv">
            <dt>{t("results.winner")}</dt>
            <dd>{r.contract.winner}</dd>
            <dt>{t("results.contractAmount")}</dt>
            <dd>¥{formatYuan(r.contract.amountFen)}</dd>
            <dt>{t("results.signedOn")}</dt>
            <dd>{r.contract.signedOn}</dd>
            <dt>{t("results.contractPdf")}</dt>
            <dd>{r.contract.documentId ? <a href={pdf(r.contract.documentId)}>{t("results.documentKinds.contract")}</a> : <span className="muted small">{t("results.contractPrivate")}</span>}</dd>
          </dl>
        </div>
      )}

      {r.documents.length > 0 && (
        <div>
          <h4>{t("results.documents")}</h4>
          <ul className="small" data-testid="result-documents">
            {r.documents.map((d) => (
              <li key={d.id}>
                {/* A plain link: the resource route streams the signed PDF. */}
                <a href={pdf(d.id)}>
                  {t(`results.documentKinds.${d.kind}`)} {d.number}
                </a>{" "}
                <span className="muted">
                  {t("results.issuedAt")} {formatCst(d.issuedAt)} · SHA-256 <code title={d.sha256}>{d.sha256.slice(0, 16)}…</code>
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
