import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "#app/components/forms";
import { p12ErrorPayload, P12Error, postForm, registeredCertificate, type OpenedCertificate } from "#app/client/p12";
import { roomDataUrl } from "#app/client/room";
import { SignAttributesError, signReportAttributesWith } from "#app/client/sign-attributes";
import { DISSENT_MAX, ROLLBACK_NOTE_MAX, ROLLBACK_REASON_MAX, rollbackTargets } from "#app/domain/evaluation/report-signing";
import type { ErrorPayload } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { CertificateOpener } from "#app/components/certificate-opener";
import { useRoomFetcher, type RoomView } from "./entry-panel";

type Prepared = { nonce: string; revision: string; signedAttrsB64: string; fingerprint: string; signingTime: string; fieldName: string };

/**
 * The evaluation report (评标报告, R49–R50; docs/report-signatures.md) and rollbacks (回退, EV20) in the room: the
 * version's number and files, each member's position (a dissent with its reasons, R50) and signature, the member's own
 * position form and its signature — made in this page with the key of its PKCS#12 file (the server never holds it) —
 * and the rollback request (members) and decision (supervisors).
 */
export function ReportPanel({ view }: { view: RoomView }) {
  const { t } = useTranslation("evaluation");
  const data = view.report;
  if (!data) return null;
  const live = data.report;
  const seated = view.me?.status === "seated";
  const showReport = view.stage === "signing" || view.stage === "signed" || data.versions.length > 0;
  const base = `/evaluations/${view.sectionId}`;
  return (
    <>
      {showReport && (
        <section className="card" data-testid="report-panel">
          <h2>{t("report.title")}</h2>
          {!live && view.stage === "signing" && seated && <GenerateReport />}
          {live && (
            <>
              <p data-testid="report-number">
                {t("report.number", { number: live.number, version: live.version })} · <span className="tag">{t(`report.phases.${live.phase}`)}</span>
              </p>
              <p className="actions">
                <a href={`${base}/report.pdf`} target="_blank" rel="noreferrer" data-testid="report-pdf">
                  {t(live.phase === "positions" ? "report.downloadDraft" : "report.download")}
                </a>
                <a href={`${base}/appendix.json`} data-testid="report-appendix">
                  {t("report.appendix")}
                </a>
              </p>
              <p className="muted small">{t("report.appendixSha", { sha: live.appendixSha256 })}</p>
              {live.phase === "positions" && <p className="muted small">{t("report.positionsIntro", { at: formatCst(new Date(live.positionsDueAt)) })}</p>}
              {live.phase === "signing" && live.signingDueAt && <p className="muted small">{t("report.signingIntro", { at: formatCst(new Date(live.signingDueAt)) })}</p>}
              {data.majorityDissent && <ErrorAlert error={{ code: "RULE_VIOLATION", params: {}, violations: [data.majorityDissent] }} />}
              {live.signedAt && <div className="alert">{t("report.signedAt", { at: formatCst(new Date(live.signedAt)) })}</div>}
              <table data-testid="report-members">
                <thead>
                  <tr>
                    <th>{t("room.seat")}</th>
                    <th>{t("room.member")}</th>
                    <th>{t("report.position")}</th>
                    <th>{t("report.dissent")}</th>
                    <th>{t("report.signature")}</th>
                  </tr>
                </thead>
                <tbody>
                  {live.members.map((m) => (
                    <tr key={m.seat} data-seat={m.seat}>
                      <td>M{m.seat}</td>
                      <td>{m.name}</td>
                      <td data-testid={`position-M${m.seat}`}>{m.position ? t(`report.positions.${m.position}`) : "—"}</td>
                      <td className="small">{m.dissent ?? ""}</td>
                      <td data-testid={`signed-M${m.seat}`}>{m.signedAt ? t("report.signedOn", { at: formatCst(new Date(m.signedAt)) }) : "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {data.me?.canPosition && <PositionForm current={data.me.position} />}
              {data.me?.canSign && <SignReport sectionId={view.sectionId} certificates={data.me.certificates} />}
              {data.me?.signed && <p data-testid="report-signed-mine">{t("report.youSigned")}</p>}
            </>
          )}
          {data.versions.some((v) => v.status === "voided") && (
            <>
              <h3>{t("report.versions")}</h3>
              <ul data-testid="report-versions">
                {data.versions.map((v) => (
                  <li key={v.version}>
                    {t("report.number", { number: v.number, version: v.version })} · {t(`report.statuses.${v.status}`)}
                    {v.voidedAt && ` · ${formatCst(new Date(v.voidedAt))} ${v.voidReason ?? ""}`}{" "}
                    <a href={`${base}/report.pdf?v=${v.version}`} target="_blank" rel="noreferrer">
                      PDF
                    </a>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
      <Rollbacks view={view} />
    </>
  );
}

function GenerateReport() {
  const { t } = useTranslation("evaluation");
  const { fetcher, submit, busy } = useRoomFetcher();
  return (
    <>
      <p className="muted small">{t("report.notYet")}</p>
      <button type="button" disabled={busy} onClick={() => submit({ intent: "report-generate" })} data-testid="report-generate">
        {t("report.generate")}
      </button>
      <ErrorAlert error={fetcher.data?.error} />
    </>
  );
}

/** R50: agreement, or a dissent with its reasons (printed in the version every member signs). */
function PositionForm({ current }: { current: { position: string; dissent: string | null } | null }) {
  const { t } = useTranslation("evaluation");
  const { fetcher, submit, busy } = useRoomFetcher();
  const [position, setPosition] = useState(current?.position === "dissent" ? "dissent" : "agree");
  const [dissent, setDissent] = useState(current?.dissent ?? "");
  return (
    <form
      data-testid="report-position-form"
      onSubmit={(e) => {
        e.preventDefault();
        submit({ intent: "report-position", position, dissent: position === "dissent" ? dissent : "" });
      }}
    >
      <fieldset disabled={busy}>
        <legend>{t("report.yourPosition")}</legend>
        {current && <p className="muted small">{t("report.recorded", { position: t(`report.positions.${current.position}`) })}</p>}
        <label>
          <input type="radio" name="position" value="agree" checked={position === "agree"} onChange={() => setPosition("agree")} /> {t("report.positions.agree")}
        </label>
        <label>
          <input type="radio" name="position" value="dissent" checked={position === "dissent"} onChange={() => setPosition("dissent")} /> {t("report.positions.dissent")}
        </label>
        {position === "dissent" && (
          <label>
            {t("report.dissentReasons")}
            <textarea name="dissent" maxLength={DISSENT_MAX} required rows={4} value={dissent} onChange={(e) => setDissent(e.target.value)} data-testid="report-dissent" />
          </label>
        )}
        <button type="submit" data-testid="report-position-submit">
          {t("report.savePosition")}
        </button>
      </fieldset>
      <ErrorAlert error={fetcher.data?.error} />
    </form>
  );
}

/**
 * The member's signature (docs/report-signatures.md): the server prepares this member's incremental update and sends
 * the CMS signed attributes; the page signs them with the key of the opened PKCS#12 file and sends the signature back.
 */
function SignReport({ sectionId, certificates }: { sectionId: string; certificates: { id: string; fingerprint: string; subjectCn: string }[] }) {
  const { t } = useTranslation("evaluation");
  const { fetcher, submit, csrf, busy } = useRoomFetcher();
  const [cert, setCert] = useState<OpenedCertificate | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [working, setWorking] = useState(false);
  const shown = error ?? fetcher.data?.error ?? null;

  async function sign(c: OpenedCertificate) {
    setError(null);
    setWorking(true);
    try {
      const fingerprint = registeredCertificate(c, certificates).fingerprint;
      const { prepared } = await postForm<{ prepared: Prepared }>(roomDataUrl(sectionId), csrf, { intent: "report-prepare", fingerprint });
      const s = await signReportAttributesWith(c, prepared.signedAttrsB64, prepared.fingerprint);
      submit({ intent: "report-sign", nonce: prepared.nonce, revision: prepared.revision, fingerprint: s.fingerprint, signature: s.signatureB64 });
    } catch (e) {
      setError(e instanceof P12Error ? p12ErrorPayload(e) : e instanceof SignAttributesError ? { code: "CHALLENGE_INVALID", params: {}, violations: [] } : (e as ErrorPayload));
    } finally {
      setWorking(false);
    }
  }

  return (
    <div data-testid="report-sign">
      <h3>{t("report.signTitle")}</h3>
      <p className="muted small">{t("report.signIntro")}</p>
      <ErrorAlert error={shown} />
      {cert ? (
        <p className="actions">
          <span className="muted small">{t("entry.certOpen", { cn: cert.subjectCn })}</span>
          <button type="button" disabled={busy || working} onClick={() => void sign(cert)} data-testid="report-sign-button">
            {t("report.sign")}
          </button>
        </p>
      ) : (
        <CertificateOpener onOpened={setCert} label={t("report.certForSigning")} />
      )}
    </div>
  );
}

/** 回退 (EV20): a seated member asks with a reason; a supervisor approves or refuses; every request is listed. */
function Rollbacks({ view }: { view: RoomView }) {
  const { t } = useTranslation("evaluation");
  const { fetcher, submit, busy } = useRoomFetcher();
  const data = view.report!;
  const targets = rollbackTargets(view.stage);
  const pending = data.rollbacks.find((r) => r.decision === null) ?? null;
  const canAsk = view.me?.status === "seated" && !pending && targets.length > 0 && !view.paused;
  const seatOf = (memberId: string) => view.members.find((m) => m.id === memberId)?.seat;
  if (!canAsk && data.rollbacks.length === 0) return null;
  return (
    <section className="card" data-testid="rollback-panel">
      <h2>{t("rollback.title")}</h2>
      <ErrorAlert error={fetcher.data?.error} />
      {data.rollbacks.length > 0 && (
        <ul data-testid="rollbacks">
          {data.rollbacks.map((r) => (
            <li key={r.id}>
              {formatCst(new Date(r.requestedAt))} · {seatOf(r.requestedBy) ? `M${seatOf(r.requestedBy)}` : ""} → {t(`stages.${r.toStage}`)} · {r.reason} ·{" "}
              <span className="tag">{t(`rollback.decisions.${r.decision ?? "pending"}`)}</span>
              {r.decisionNote && <span className="muted small"> {r.decisionNote}</span>}
            </li>
          ))}
        </ul>
      )}
      {pending && view.supervisor && (
        <form
          data-testid="rollback-decide"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
            submit({ intent: "rollback-decide", rollbackId: pending.id, decision: submitter?.value ?? "refuse", note: String(f.get("note") ?? "") });
          }}
        >
          <fieldset disabled={busy}>
            <legend>{t("rollback.decideTitle")}</legend>
            <p className="muted small">{t("rollback.warning")}</p>
            <label>
              {t("rollback.note")}
              <textarea name="note" maxLength={ROLLBACK_NOTE_MAX} rows={2} />
            </label>
            <p className="actions">
              <button type="submit" name="decision" value="approve" data-testid="rollback-approve">
                {t("rollback.approve")}
              </button>
              <button type="submit" name="decision" value="refuse" className="secondary" data-testid="rollback-refuse">
                {t("rollback.refuse")}
              </button>
            </p>
          </fieldset>
        </form>
      )}
      {canAsk && (
        <form
          data-testid="rollback-request"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            submit({ intent: "rollback-request", toStage: String(f.get("toStage") ?? ""), reason: String(f.get("reason") ?? "") });
          }}
        >
          <fieldset disabled={busy}>
            <legend>{t("rollback.requestTitle")}</legend>
            <p className="muted small">{t("rollback.warning")}</p>
            <label>
              {t("rollback.toStage")}
              <select name="toStage" defaultValue={targets[targets.length - 1]}>
                {targets.map((s) => (
                  <option key={s} value={s}>
                    {t(`stages.${s}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("rollback.reason")}
              <textarea name="reason" maxLength={ROLLBACK_REASON_MAX} required rows={3} />
            </label>
            <button type="submit" data-testid="rollback-submit">
              {t("rollback.request")}
            </button>
          </fieldset>
        </form>
      )}
    </section>
  );
}
