import { useFetcher, useRevalidator } from "@remix-run/react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useServerNow } from "#app/components/countdown";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { RECUSAL_REASON_MAX } from "#app/domain/evaluation/declaration";
import type { ErrorPayload } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { useRootData } from "#app/root";
import { CertificateOpener } from "#app/components/certificate-opener";
import { p12ErrorPayload, P12Error, postForm, registeredCertificate, signChallengeB64, type OpenedCertificate } from "#app/client/p12";
import { HEARTBEAT_MS, sendAwayBeacon, sendHeartbeat, signDeclarationB64 } from "#app/client/room";
import type { SerializeFrom } from "@remix-run/node";
import type { RoomView as RoomViewData } from "#app/services/evaluation/room-view.server";

/** The room view as the page receives it (JSON). */
export type RoomView = SerializeFrom<RoomViewData>;

type Result = { done?: string; error?: ErrorPayload };

/** Posts one intent of the room's action with the CSRF token (the loader revalidates afterwards). */
export function useRoomFetcher() {
  const fetcher = useFetcher<Result>();
  const root = useRootData();
  const csrf = root?.csrfToken ?? "";
  const submit = (fields: Record<string, string>) => fetcher.submit({ _csrf: csrf, ...fields }, { method: "post" });
  return { fetcher, submit, csrf, busy: fetcher.state !== "idle" };
}

/** Keeps the member's presence while the page is open (every 20 s) and says "away" on unload (entry.server.ts). */
function useHeartbeat(sectionId: string, present: boolean, csrf: string) {
  const { revalidate } = useRevalidator();
  useEffect(() => {
    if (!present || !csrf) return;
    let stopped = false;
    const beat = () =>
      void sendHeartbeat(sectionId, csrf).then((still) => {
        if (!stopped && still === false) revalidate();
      });
    beat();
    const timer = setInterval(beat, HEARTBEAT_MS);
    const away = () => sendAwayBeacon(sectionId, csrf);
    window.addEventListener("pagehide", away);
    return () => {
      stopped = true;
      clearInterval(timer);
      window.removeEventListener("pagehide", away);
    };
  }, [sectionId, present, csrf, revalidate]);
}

/**
 * Entering the room and the declaration of no conflict (R41, R42): the member opens its certificate file and signs
 * the room's challenge; then reads the bidders and the grounds (R39 ZTB / R40 ZFCG), and after the reading countdown
 * signs "no conflict" — or declares a conflict with a reason and a second confirmation (EV15). Until everyone is
 * seated the panel names who is missing. Supervisors see the progress only.
 */
export function EntryPanel({ view }: { view: RoomView }) {
  const entry = view.entry;
  const { t } = useTranslation("evaluation");
  const mine = entry?.mine ?? null;
  const { csrf } = useRoomFetcher();
  useHeartbeat(view.sectionId, !!mine?.present, csrf);
  if (!entry || !entry.open) return null;
  const showWaiting = view.stage === "entry";
  return (
    <>
      {mine && <MemberEntry view={view} />}
      {showWaiting && (
        <section className="card" data-testid="entry-waiting">
          <h2>{t("entry.progressTitle")}</h2>
          <p data-testid="entry-progress">{t("entry.progress", { seated: entry.seated, total: entry.total })}</p>
          {entry.missing.length > 0 ? (
            <ul className="presence" data-testid="missing">
              {entry.missing.map((m) => (
                <li key={m.seat} className="missing">
                  M{m.seat} {m.name} <span className="muted small">{m.present ? t("entry.notDeclared") : t("entry.notEntered")}</span>
                </li>
              ))}
            </ul>
          ) : (
            entry.problems.length === 0 && <p className="muted small">{t("entry.allSeated")}</p>
          )}
          {entry.problems.length > 0 && (
            <ErrorAlert error={{ code: "RULE_VIOLATION", params: {}, violations: entry.problems }} />
          )}
        </section>
      )}
    </>
  );
}

function MemberEntry({ view }: { view: RoomView }) {
  const { t } = useTranslation("evaluation");
  const mine = view.entry!.mine!;
  const { fetcher, submit, csrf, busy } = useRoomFetcher();
  const [cert, setCert] = useState<OpenedCertificate | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const shown = error ?? fetcher.data?.error ?? null;

  async function enter(c: OpenedCertificate) {
    setError(null);
    try {
      const certificateId = registeredCertificate(c, mine.certificates).id;
      const ch = await postForm<{ purpose: string; nonce: string; issuedAt: string }>("/certificates/challenge", csrf, { purpose: `evaluation-entry:${view.sectionId}` });
      submit({ intent: "enter", nonce: ch.nonce, certificateId, signature: await signChallengeB64(ch, c.privateKeyPkcs8) });
    } catch (e) {
      setError(e instanceof P12Error ? p12ErrorPayload(e) : (e as ErrorPayload));
    }
  }

  if (!mine.present) {
    return (
      <section className="card" data-testid="entry-panel">
        <h2>{mine.status === "seated" ? t("entry.reenterTitle") : t("entry.enterTitle")}</h2>
        <p className="muted small">{t("entry.enterIntro")}</p>
        <ErrorAlert error={shown} />
        {cert ? (
          <p className="actions">
            <span className="muted small">{t("entry.certOpen", { cn: cert.subjectCn })}</span>
            <button type="button" disabled={busy} onClick={() => void enter(cert)} data-testid="enter">
              {mine.status === "seated" ? t("entry.reenter") : t("entry.enter")}
            </button>
          </p>
        ) : (
          <CertificateOpener onOpened={setCert} label={t("entry.certForEntry")} />
        )}
      </section>
    );
  }
  return (
    <>
      <section className="card" data-testid="entry-panel">
        <p className="actions">
          <span data-testid="in-room">{t("entry.inRoomSince", { at: formatCst(new Date(mine.enteredAt!)) })}</span>
          {mine.declaredAt && <span className="muted small">{t("entry.declaredAt", { at: formatCst(new Date(mine.declaredAt)) })}</span>}
          <button type="button" className="secondary" disabled={busy} onClick={() => submit({ intent: "leave" })} data-testid="leave">
            {t("entry.leave")}
          </button>
        </p>
        <ErrorAlert error={shown} />
      </section>
      {mine.status === "expected" && mine.declaration && <Declaration view={view} cert={cert} onCert={setCert} />}
    </>
  );
}

function Declaration({ view, cert, onCert }: { view: RoomView; cert: OpenedCertificate | null; onCert: (c: OpenedCertificate) => void }) {
  const { t } = useTranslation("evaluation");
  const entry = view.entry!;
  const mine = entry.mine!;
  const d = mine.declaration!;
  const now = useServerNow(entry.now);
  const { fetcher, submit, busy } = useRoomFetcher();
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [conflict, setConflict] = useState(false);
  const left = Math.max(0, Math.ceil((new Date(mine.readingEndsAt!).getTime() - now) / 1000));

  async function declare(c: OpenedCertificate) {
    setError(null);
    try {
      const certificateId = registeredCertificate(c, mine.certificates).id;
      const at = new Date(now).toISOString();
      const signature = await signDeclarationB64({ sectionId: d.sectionId, regime: d.regime, seat: d.seat, bidders: d.bidders, at }, c.privateKeyPkcs8);
      submit({ intent: "declare", at, certificateId, signature });
    } catch (e) {
      setError(e instanceof P12Error ? p12ErrorPayload(e) : (e as ErrorPayload));
    }
  }

  return (
    <section className="card" data-testid="declaration">
      <h2>{t("entry.declarationTitle")}</h2>
      <p>{t("entry.declarationIntro", { seat: d.seat })}</p>
      <h3>{t("entry.bidders")}</h3>
      <table data-testid="bidders">
        <thead>
          <tr>
            <th>{t("entry.bidderName")}</th>
            <th>{t("entry.creditCode")}</th>
          </tr>
        </thead>
        <tbody>
          {d.bidders.map((b) => (
            <tr key={`${b.creditCode ?? ""}-${b.name}`}>
              <td>{b.name}</td>
              <td className="mono">{b.creditCode ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t(`entry.groundsTitle.${d.regime}`)}</h3>
      <ol data-testid="grounds">
        {d.grounds.map((g) => (
          <li key={g}>{t(`entry.grounds.${d.regime}.${g}`)}</li>
        ))}
      </ol>
      <p className="muted small">{t("entry.groundsVersion", { version: d.groundsVersion })}</p>
      <p>
        <strong>{t("entry.pledge")}</strong>
      </p>
      <ErrorAlert error={error ?? fetcher.data?.error ?? null} />
      {!cert ? (
        <CertificateOpener onOpened={onCert} label={t("entry.certForDeclaration")} />
      ) : (
        <p className="actions">
          <button type="button" disabled={busy || left > 0} onClick={() => void declare(cert)} data-testid="declare">
            {left > 0 ? t("entry.readFirst", { seconds: left }) : t("entry.declare")}
          </button>
          {!conflict && (
            <button type="button" className="secondary" onClick={() => setConflict(true)} data-testid="conflict">
              {t("entry.conflict")}
            </button>
          )}
        </p>
      )}
      {conflict && (
        <fetcher.Form method="post" data-testid="recuse-form">
          <CsrfInput />
          <input type="hidden" name="intent" value="recuse" />
          <div className="field">
            <label htmlFor="recuse-reason">{t("entry.conflictReason")}</label>
            <textarea id="recuse-reason" name="reason" required maxLength={RECUSAL_REASON_MAX} rows={3} />
            <span className="hint">{t("entry.conflictReasonHint", { max: RECUSAL_REASON_MAX })}</span>
          </div>
          <div className="field">
            <label>
              <input type="checkbox" name="confirm" value="yes" required /> {t("entry.conflictConfirm")}
            </label>
          </div>
          <p className="actions">
            <button type="submit" disabled={busy} data-testid="recuse">
              {t("entry.conflictSubmit")}
            </button>
            <button type="button" className="secondary" onClick={() => setConflict(false)}>
              {t("entry.cancel")}
            </button>
          </p>
        </fetcher.Form>
      )}
    </section>
  );
}
