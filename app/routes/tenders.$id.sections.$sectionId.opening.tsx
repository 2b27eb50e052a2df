import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Countdown, useServerNow } from "#app/components/countdown";
import { CertificateOpener } from "#app/components/certificate-opener";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { DomainError, httpStatusOf, toErrorPayload, type ErrorPayload } from "#app/domain/errors";
import { capitalsOrBlank, formatMoney } from "#app/domain/money";
import { formatCst } from "#app/domain/tender-form";
import { useRootData } from "#app/root";
import { dbNow } from "#app/services/platform/command.server";
import { answerObjection, checkIn, closeOpening, confirmRecord, decideFailure, endFallback, raiseObjection, releaseBidKey, releaseShare } from "#app/services/opening/opening.server";
import { hallView, type HallView } from "#app/services/opening/opening-view.server";
import { useLiveRevalidate } from "#app/utils/live";
import { errorResponse, getActor, readForm, requireActor } from "#app/utils/request.server";
import { P12Error, p12ErrorPayload, postForm, registeredCertificate, signChallengeB64, type OpenedCertificate } from "#app/client/p12";
import { openBox } from "#crypto/opening-key";
import { fromBase64, toBase64 } from "#crypto/seal/format";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `开标大厅 · ${data?.project.title ?? ""} · Tenderhall` }];

/** The hall is public (what is public only); signed-in parties see more (opening-view.server.ts). */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  try {
    const view = await hallView(context.app.db, actor, params.sectionId ?? "", await dbNow(context.app.db));
    if (view.project.id !== params.id) throw new DomainError("NOT_FOUND");
    return json(view);
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

/** Every intent is one command of app/services/opening/opening.server.ts (thin route). */
export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context);
  const sectionId = params.sectionId ?? "";
  const app = context.app;
  try {
    const form = await readForm(request, context);
    const f = (k: string) => String(form.get(k) ?? "");
    const intent = f("intent");
    switch (intent) {
      case "checkin":
        await checkIn(app, actor, sectionId, { nonce: f("nonce"), certificateId: f("certificateId"), signature: f("signature") });
        break;
      case "release":
        await releaseBidKey(app, actor, sectionId, f("contentKey"));
        break;
      case "share":
        return json({ done: intent, share: await releaseShare(app, actor, sectionId, { shareIndex: Number(f("shareIndex")), share: f("share") }) });
      case "endFallback":
        await endFallback(app, actor, sectionId, f("reason"));
        break;
      case "decide":
        await decideFailure(app, actor, sectionId, f("bidId"), { cause: f("cause") as "bidder_fault" | "other", reason: f("reason") });
        break;
      case "object":
        await raiseObjection(app, actor, sectionId, f("text"));
        break;
      case "answer":
        await answerObjection(app, actor, sectionId, f("objectionId"), f("answer"));
        break;
      case "confirm":
        await confirmRecord(app, actor, sectionId);
        break;
      case "close":
        await closeOpening(app, actor, sectionId);
        break;
      default:
        throw new DomainError("VALIDATION", { field: "intent" });
    }
    return json({ done: intent });
  } catch (e) {
    return errorResponse(e);
  }
}

type ActionResult = { done?: string; error?: ErrorPayload; share?: { released: number; threshold: number; opened: number } };

/**
 * The online opening hall (不见面开标, docs/product.md §3.3): one live page per section for the
 * tendering unit/agency, bidders, supervisors, custodians and the public. Live over the
 * `/live` WebSocket (each event revalidates the loader; reconnects catch up by sequence).
 */
export default function OpeningHall() {
  const d = useLoaderData<typeof loader>() as unknown as HallView;
  const actionData = useActionData<typeof action>() as ActionResult | undefined;
  const { t } = useTranslation("bids");
  useLiveRevalidate([d.channel]);
  const now = useServerNow(d.now);
  const o = d.opening;
  // Past the deadline a hall is never "waiting": the job opens it ("due", seconds) or it is not held ("none").
  const notOpen = d.notOpen === "waiting" && now >= new Date(d.deadline).getTime() ? "due" : d.notOpen;
  const phase = o?.phase ?? notOpen ?? "waiting";

  return (
    <>
      <p className="muted small">
        <Link to={`/tenders/${d.project.id}`}>{d.project.code}</Link> / {d.section.code}
      </p>
      <h1>
        {t("opening.title")} · {d.project.title}{" "}
        <span className={`tag tag-${phase}`} data-testid="phase">
          {t(`opening.phases.${phase}`)}
        </span>
      </h1>
      <p>
        {t("opening.section", { code: d.section.code, title: d.section.title })} · <span className="muted small">{d.roles.map((r) => t(`opening.roles.${r}`)).join(" · ")}</span>
      </p>
      <ErrorAlert error={actionData?.error} />

      <section className="card" data-testid="hall-status">
        {!o ? (
          <p data-testid="not-open" data-state={notOpen}>
            {notOpen === "waiting" ? (
              <>
                {t("opening.notOpen", { at: formatCst(d.deadline) })} <Countdown until={d.deadline} now={now} />
              </>
            ) : (
              t(notOpen === "due" ? "opening.due" : "opening.none", { at: formatCst(d.deadline) })
            )}
          </p>
        ) : (
          <dl className="kv">
            <dt>{t("opening.openedAt")}</dt>
            <dd>{formatCst(o.openedAt)}</dd>
            {phase !== "failed" && <dt>{t("opening.windowEnds")}</dt>}
            <dd hidden={phase === "failed"}>
              {formatCst(o.decryptionEndsAt)}
              {phase === "decryption" && (
                <>
                  {" · "}
                  {t("opening.left")} <Countdown until={o.decryptionEndsAt} now={now} />
                </>
              )}
            </dd>
            <dt>{t("opening.progress")}</dt>
            <dd data-testid="counts">{t("opening.countsLine", d.counts)}</dd>
            {d.section.keyModel === "bidder_with_custodian_fallback" && (
              <>
                <dt>{t("opening.custodians")}</dt>
                <dd data-testid="shares">
                  {t("opening.sharesLine", { released: d.counts.sharesReleased, threshold: d.section.threshold })}
                  {d.releases.length > 0 && ` (${d.releases.map((r) => `#${r.shareIndex + 1} ${r.by}`).join("，")})`}
                </dd>
              </>
            )}
          </dl>
        )}
        {o && phase === "failed" && (
          <div className="alert alert-error" data-testid="failed">
            <strong>{t("opening.failedTitle")}</strong>
            <ul>
              {o.failure.map((v) => (
                <li key={v.code}>{t(`rules:${v.code}`, v.params)}</li>
              ))}
            </ul>
            {o.failureNotice ? (
              <a href={`/tenders/${d.project.id}/sections/${d.section.id}/opening/notice.pdf`} data-testid="failure-notice">
                {t("opening.failureNotice")}
              </a>
            ) : (
              <span className="muted small">{t("opening.failureNoticePending")}</span>
            )}
          </div>
        )}
        {o?.record && (
          <p className="alert alert-ok">
            {t("opening.closedAt", { at: formatCst(o.closedAt ?? "") })}{" "}
            <a href={`/tenders/${d.project.id}/sections/${d.section.id}/opening/record.pdf`} data-testid="record-pdf" download>
              {t("opening.recordPdf")}
            </a>
          </p>
        )}
      </section>

      {o && d.counts.total > 0 && <Presence d={d} />}
      {d.own && <BidderPanel d={d} />}
      {d.custodian && (phase === "decryption" || phase === "fallback") && <CustodianPanel d={d} />}
      {d.bids.length > 0 && <Progress d={d} />}
      {d.can.endFallback && (
        <Form method="post" className="card" data-testid="end-fallback">
          <CsrfInput />
          <input type="hidden" name="intent" value="endFallback" />
          <p className="muted small">{t("opening.endFallbackHelp")}</p>
          <input name="reason" required minLength={4} maxLength={500} placeholder={t("opening.reason")} aria-label={t("opening.reason")} />{" "}
          <button type="submit" className="secondary">
            {t("opening.endFallback")}
          </button>
        </Form>
      )}
      {d.reading && <Reading d={d} />}
    </>
  );
}

function Presence({ d }: { d: HallView }) {
  const { t } = useTranslation("bids");
  // "另有 n 家…": only the bidders not listed above (a bidder sees the checked-in ones and itself; the parties see all).
  const missing = Math.max(0, d.counts.total - d.presence.length);
  return (
    <section className="card">
      <h2>{t("opening.presence")}</h2>
      <ul className="presence" data-testid="presence">
        {d.presence.map((p) => (
          <li key={p.name} className={p.checkedInAt ? "present" : "missing"}>
            {p.checkedInAt ? "✔" : "…"} {p.name} <span className="muted small">{p.checkedInAt ? t("opening.checkedInAt", { at: formatCst(p.checkedInAt) }) : t("opening.notCheckedIn")}</span>
          </li>
        ))}
      </ul>
      {missing > 0 && <p className="muted small">{t("opening.missing", { n: missing })}</p>}
    </section>
  );
}

function useHallFetcher() {
  const fetcher = useFetcher<ActionResult>();
  const root = useRootData();
  const submit = (fields: Record<string, string>) => fetcher.submit({ _csrf: root?.csrfToken ?? "", ...fields }, { method: "post" });
  return { fetcher, submit, csrf: root?.csrfToken ?? "" };
}

function BidderPanel({ d }: { d: HallView }) {
  const { t } = useTranslation("bids");
  const own = d.own!;
  const { fetcher, submit, csrf } = useHallFetcher();
  const [cert, setCert] = useState<OpenedCertificate | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const busy = fetcher.state !== "idle";
  const fetched = fetcher.data;

  async function doCheckIn(c: OpenedCertificate) {
    setError(null);
    try {
      const certificateId = registeredCertificate(c, own.certificates).id;
      const ch = await postForm<{ purpose: string; nonce: string; issuedAt: string }>("/certificates/challenge", csrf, { purpose: `checkin:${d.section.id}` });
      submit({ intent: "checkin", nonce: ch.nonce, certificateId, signature: await signChallengeB64(ch, c.privateKeyPkcs8) });
    } catch (e) {
      setError(e instanceof P12Error ? p12ErrorPayload(e) : (e as ErrorPayload));
    }
  }

  async function doRelease(c: OpenedCertificate) {
    setError(null);
    const r = own.recipients.find((x) => x.kid === c.fingerprint);
    if (!r) {
      setError(p12ErrorPayload(new P12Error("NOT_SEALING")));
      return;
    }
    try {
      const key = await crypto.subtle.importKey("pkcs8", c.privateKeyPkcs8 as BufferSource, { name: "RSA-OAEP", hash: "SHA-256" }, false, ["decrypt"]);
      const raw = new Uint8Array(await crypto.subtle.decrypt({ name: "RSA-OAEP" }, key, fromBase64(r.wrappedKey) as BufferSource));
      submit({ intent: "release", contentKey: toBase64(raw) });
      raw.fill(0);
    } catch {
      setError({ code: "upload.KEY_UNWRAP_FAILED" as never, params: {}, violations: [] });
    }
  }

  return (
    <section className="card" data-testid="bidder-panel">
      <h2>{t("opening.myBid")}</h2>
      <p data-testid="my-state">
        {t("opening.myState", { state: t(`opening.states.${own.state}`) })}
        {own.openedBy && ` · ${t(`opening.openedBy.${own.openedBy}`)}`}
        {" · "}
        {own.checkedIn ? t("opening.checkedIn") : t("opening.notCheckedIn")}
      </p>
      {own.lastError && own.state === "pending" && (
        <div className="alert alert-warn" data-testid="last-error">
          {t("opening.lastError", { error: own.lastError })}
        </div>
      )}
      <ErrorAlert error={error ?? fetched?.error} />
      {(d.can.checkIn || d.can.release) &&
        (cert ? (
          <p className="actions">
            <span className="muted small">{t("opening.certOpen", { cn: cert.subjectCn })}</span>
            {d.can.checkIn && (
              <button type="button" disabled={busy} onClick={() => void doCheckIn(cert)} data-testid="checkin">
                {t("opening.checkIn")}
              </button>
            )}
            {d.can.release && own.checkedIn && (
              <button type="button" disabled={busy} onClick={() => void doRelease(cert)} data-testid="release">
                {busy ? t("opening.decrypting") : t("opening.release")}
              </button>
            )}
          </p>
        ) : (
          <CertificateOpener onOpened={setCert} label={t("opening.certForBidder")} />
        ))}
      {d.can.confirm && (
        <Form method="post">
          <CsrfInput />
          <button type="submit" name="intent" value="confirm" data-testid="confirm">
            {t("opening.confirm")}
          </button>
        </Form>
      )}
      {own.confirmed && <p className="muted small">{t("opening.confirmedMine")}</p>}
    </section>
  );
}

function CustodianPanel({ d }: { d: HallView }) {
  const { t } = useTranslation("bids");
  const { fetcher, submit } = useHallFetcher();
  const [cert, setCert] = useState<OpenedCertificate | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const boxes = d.custodian!.boxes;
  const result = fetcher.data;

  async function doShare(c: OpenedCertificate) {
    setError(null);
    const box = boxes.find((b) => b.fingerprint === c.fingerprint && !b.released);
    if (!box) {
      setError(p12ErrorPayload(new P12Error("NO_SHARE")));
      return;
    }
    try {
      const share = await openBox(box.box, c.privateKeyPkcs8);
      submit({ intent: "share", shareIndex: String(box.shareIndex), share: toBase64(share) });
      share.fill(0);
    } catch {
      setError({ code: "upload.KEY_UNWRAP_FAILED" as never, params: {}, violations: [] });
    }
  }

  return (
    <section className="card" data-testid="custodian-panel">
      <h2>{t("opening.custodianTitle")}</h2>
      <p className="muted small">{t("opening.custodianHelp", { threshold: d.section.threshold })}</p>
      <ul>
        {boxes.map((b) => (
          <li key={`${b.shareIndex}-${b.fingerprint}`}>
            {t("opening.shareLine", { index: b.shareIndex + 1, role: t(`tender:custodians.${b.role}`) })} · {b.released ? t("opening.shareReleased") : t("opening.shareHeld")}
          </li>
        ))}
      </ul>
      <ErrorAlert error={error ?? result?.error} />
      {result?.share && (
        <p className="alert alert-ok" data-testid="share-result">
          {t("opening.shareResult", result.share)}
        </p>
      )}
      {d.can.releaseShare ? (
        cert ? (
          <button type="button" disabled={fetcher.state !== "idle"} onClick={() => void doShare(cert)} data-testid="release-share">
            {t("opening.releaseShare")}
          </button>
        ) : (
          <CertificateOpener onOpened={setCert} label={t("opening.certForCustodian")} />
        )
      ) : (
        <p className="muted small">{t("opening.shareNotNow")}</p>
      )}
    </section>
  );
}

function Progress({ d }: { d: HallView }) {
  const { t } = useTranslation("bids");
  const nav = useNavigation();
  return (
    <section className="card" data-testid="progress">
      <h2>{t("opening.bidsTitle")}</h2>
      <table>
        <thead>
          <tr>
            <th>{t("opening.bidder")}</th>
            <th>{t("opening.state")}</th>
            <th>{t("opening.note")}</th>
          </tr>
        </thead>
        <tbody>
          {d.bids.map((b) => (
            <tr key={b.bidId} data-state={b.state}>
              <td>{b.name}</td>
              <td>
                {t(`opening.states.${b.state}`)}
                {b.openedBy && ` · ${t(`opening.openedBy.${b.openedBy}`)}`}
              </td>
              <td className="small">
                {b.reason ?? (b.state === "pending" && b.lastError ? t("opening.lastError", { error: b.lastError }) : "")}
                {d.can.decide && b.state === "pending" && (
                  <Form method="post" className="decide-form" data-testid="decide-form">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="decide" />
                    <input type="hidden" name="bidId" value={b.bidId} />
                    <select name="cause" aria-label={t("opening.cause")}>
                      <option value="bidder_fault">{t("opening.causes.bidder_fault")}</option>
                      <option value="other">{t("opening.causes.other")}</option>
                    </select>
                    <input name="reason" required minLength={4} maxLength={500} placeholder={t("opening.reason")} aria-label={t("opening.reason")} />
                    <button type="submit" disabled={nav.state !== "idle"}>
                      {t("opening.decide")}
                    </button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Reading({ d }: { d: HallView }) {
  const { t } = useTranslation("bids");
  return (
    <>
      <section className="card" data-testid="reading">
        <h2>{t("opening.readingTitle")}</h2>
        <table>
          <thead>
            <tr>
              <th className="num">#</th>
              <th>{t("opening.bidder")}</th>
              <th className="num">{t("opening.price")}</th>
              <th>{t("bid.duration")}</th>
              <th>{t("bid.quality")}</th>
              <th>{t("bid.manager")}</th>
            </tr>
          </thead>
          <tbody>
            {d.reading!.map((r) => (
              <tr key={r.order}>
                <td className="num">{r.order}</td>
                <td>{r.bidder}</td>
                <td className="num">
                  <span className="mono">{formatMoney({ yuan: r.priceYuan })}</span>
                  <div className="muted small">{capitalsOrBlank(r.priceYuan)}</div>
                </td>
                <td>{r.durationDays}</td>
                <td>{r.quality}</td>
                <td>{r.projectManager}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">{t("opening.confirmedLine", { names: d.confirmed.join("，") || "—" })}</p>
        {d.can.close && (
          <Form method="post">
            <CsrfInput />
            <button type="submit" name="intent" value="close" data-testid="close">
              {t("opening.close")}
            </button>
          </Form>
        )}
      </section>
      <section className="card" data-testid="objections">
        <h2>{t("opening.objections")}</h2>
        {d.objections.length === 0 && <p className="muted small">{t("opening.noObjections")}</p>}
        {d.objections.map((x) => (
          <div className="qa" key={x.id}>
            <div className="q">
              {t("opening.objectionLine", { bidder: x.bidder ?? t("opening.aBidder"), text: x.text })}
            </div>
            {x.answer ? (
              <div className="a" data-testid="answer">
                {t("opening.answerLine", { text: x.answer })}
              </div>
            ) : d.can.answer ? (
              <Form method="post" className="decide-form" data-testid="answer-form">
                <CsrfInput />
                <input type="hidden" name="intent" value="answer" />
                <input type="hidden" name="objectionId" value={x.id} />
                <input name="answer" required maxLength={2000} aria-label={t("opening.answer")} />
                <button type="submit">{t("opening.answer")}</button>
              </Form>
            ) : (
              <div className="a muted">{t("opening.awaitingAnswer")}</div>
            )}
          </div>
        ))}
        {d.can.object && (
          <Form method="post" data-testid="object-form">
            <CsrfInput />
            <input type="hidden" name="intent" value="object" />
            <label>
              {t("opening.objectLabel")}
              <textarea name="text" required maxLength={2000} rows={2} />
            </label>
            <button type="submit">{t("opening.object")}</button>
          </Form>
        )}
      </section>
    </>
  );
}
