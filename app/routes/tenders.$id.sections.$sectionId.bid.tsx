import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Countdown, useServerNow } from "#app/components/countdown";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { DomainError, httpStatusOf, toErrorPayload, type ErrorPayload } from "#app/domain/errors";
import { bidFormInputs, storedMethodOrNull, type BidFormInputs } from "#app/domain/method-form";
import { formatCst } from "#app/domain/tender-form";
import { useRootData } from "#app/root";
import { bidContext, myBids, openUpload, withdrawBid } from "#app/services/bids/bids.server";
import { listMyCertificates, trustedCaPems } from "#app/services/platform/certificates.server";
import { dbNow } from "#app/services/platform/command.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";
import { openP12File, p12ErrorPayload, registeredCertificate, type OpenedCertificate } from "#app/client/p12";
import { discardUpload, fileSource, sealAndUpload, UploadError, type BidForm, type Progress } from "#app/client/sealed-upload";
import { verifyReceipt } from "#crypto/receipt";
import { fromBase64 } from "#crypto/seal/format";

/** The method's fields of the bid form, as sealed: only those the section asks for, blanks left out. */
function methodInputsOf(f: FormData, inputs: BidFormInputs): Pick<BidForm, "policy" | "brand" | "provisionalYuan"> {
  const allowed = new Set(inputs.policy.map((p) => p.id));
  const policy = f.getAll("policy").map(String).filter((id) => allowed.has(id));
  const brand = inputs.brand ? String(f.get("brand") ?? "").trim() : "";
  const provisionalYuan = inputs.provisional ? String(f.get("provisionalYuan") ?? "").trim() : "";
  return { ...(policy.length ? { policy } : {}), ...(brand ? { brand } : {}), ...(provisionalYuan ? { provisionalYuan } : {}) };
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.project.title ?? "投标"} · 递交投标文件 · Tenderhall` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "bid:submit");
  try {
    const { p, s, key } = await bidContext(context.app.db, actor, params.sectionId ?? "");
    if (p.id !== params.id) throw new DomainError("NOT_FOUND");
    const now = await dbNow(context.app.db);
    const upload = await openUpload(context.app, actor, s.id);
    return json({
      project: { id: p.id, code: p.code, title: p.title, status: p.status },
      section: { id: s.id, code: s.code, title: s.title, status: s.status },
      // The bid form fields the section's published method needs (policy deductions, brand, provisional sums).
      inputs: bidFormInputs(storedMethodOrNull(s.evaluation, p.regime)),
      deadline: p.bidDeadline.toISOString(),
      closed: now >= p.bidDeadline || p.status !== "published",
      now: now.toISOString(),
      openingKey: key ? { kid: key.kid, publicKeySpki: key.publicKeySpki, threshold: key.threshold } : null,
      bids: (await myBids(context.app.db, actor, s.id)).map((b) => ({ ...b, receivedAt: b.receivedAt.toISOString(), closedAt: b.closedAt?.toISOString() ?? null })),
      upload: upload && { uploadId: upload.uploadId, files: upload.files, storedChunks: upload.chunks.length, totalBytes: upload.totalBytes },
      certificates: (await listMyCertificates(context.app.db, actor)).filter((c) => c.status === "active").map((c) => ({ id: c.id, fingerprint: c.fingerprint, serial: c.serialHex })),
      trustedCas: trustedCaPems(context.app.config),
    });
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "bid:submit");
  try {
    const form = await readForm(request, context);
    if (form.get("intent") === "withdraw") {
      await withdrawBid(context.app, actor, params.sectionId ?? "");
      return json({ ok: true, done: "withdrawn" });
    }
    return json({ ok: false }, { status: 400 });
  } catch (e) {
    return errorResponse(e);
  }
}

const MB = 1024 * 1024;

function uploadErrorPayload(e: unknown): ErrorPayload {
  if (e instanceof UploadError) {
    if (e.payload && typeof e.payload === "object" && "code" in e.payload) return e.payload as ErrorPayload;
    const known = ["RESUME_FILES_DIFFER", "RESUME_KEY_MISSING", "RESUME_FORM_MISSING", "ABORTED"];
    return { code: `upload.${known.includes(e.code) ? e.code : "NETWORK"}` as never, params: {}, violations: [] };
  }
  if (e && typeof e === "object" && "code" in e) return e as ErrorPayload;
  return { code: "upload.NETWORK" as never, params: {}, violations: [] };
}

/**
 * The bidder's bid for one section: seal in the browser (the content key is wrapped for the
 * bidder's certificate and the section's opening key), upload in chunks with progress,
 * resume after a reload, receive and verify the signed receipt (回执), replace or withdraw
 * before the deadline (R19–R21).
 */
export default function SubmitBid() {
  const d = useLoaderData<typeof loader>();
  const action = useActionData<typeof action>() as { done?: string; error?: ErrorPayload } | undefined;
  const { t } = useTranslation("bids");
  const root = useRootData();
  const revalidator = useRevalidator();
  const nav = useNavigation();
  const [progress, setProgress] = useState<Progress | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [done, setDone] = useState<{ version: number; bidId: string; valid: boolean; signer: string; resumed: boolean } | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const current = d.bids.find((b) => b.status === "submitted");
  const now = useServerNow(d.now);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setError(null);
    setDone(null);
    const p12 = f.get("p12");
    const files = f.getAll("files").filter((x): x is File => x instanceof File && x.size > 0);
    if (!(p12 instanceof File) || !p12.size || files.length === 0) {
      setError({ code: "VALIDATION", params: {}, violations: [] });
      return;
    }
    setBusy(true);
    try {
      // A wrong passphrase, a file that is not PKCS#12, a file without a key or with someone else's certificate each
      // get their own message; none suggests a new key pair (the file may hold the bidder's only key).
      let opened: OpenedCertificate;
      let cert: (typeof d.certificates)[number];
      try {
        opened = await openP12File(p12, String(f.get("passphrase") ?? ""));
        cert = registeredCertificate(opened, d.certificates);
      } catch (p12Error) {
        throw p12ErrorPayload(p12Error);
      }
      const result = await sealAndUpload({
        api: { baseUrl: "", csrfToken: root?.csrfToken ?? "" },
        sectionId: d.section.id,
        bidder: { certificateId: cert.id, fingerprint: opened.fingerprint, publicKeySpki: opened.publicKeySpki, privateKeyPkcs8: opened.privateKeyPkcs8 },
        openingKey: d.openingKey ? { kid: d.openingKey.kid, publicKeySpki: fromBase64(d.openingKey.publicKeySpki) } : null,
        form: {
          priceYuan: String(f.get("priceYuan") ?? ""),
          durationDays: String(f.get("durationDays") ?? ""),
          quality: String(f.get("quality") ?? ""),
          projectManager: String(f.get("projectManager") ?? ""),
          ...methodInputsOf(f, d.inputs),
        },
        files: files.map((x) => fileSource(x)),
        onProgress: setProgress,
      });
      opened.privateKeyPkcs8.fill(0);
      const check = await verifyReceipt(result.receipt, d.trustedCas, new Date());
      setDone({ version: result.version, bidId: result.bidId, valid: check.valid, signer: check.valid ? check.signer : "", resumed: result.resumed });
      formRef.current?.reset();
      revalidator.revalidate();
    } catch (err) {
      setError(uploadErrorPayload(err));
      revalidator.revalidate();
    } finally {
      setBusy(false);
    }
  }

  async function onDiscard() {
    if (!d.upload) return;
    try {
      await discardUpload({ baseUrl: "", csrfToken: root?.csrfToken ?? "" }, d.upload.uploadId);
    } catch (err) {
      setError(uploadErrorPayload(err));
    }
    revalidator.revalidate();
  }

  const pct = progress ? Math.round((progress.sentBytes / Math.max(progress.totalBytes, 1)) * 100) : 0;
  return (
    <>
      <p className="muted small">
        <Link to={`/tenders/${d.project.id}`}>{d.project.code}</Link> / {d.section.code}
      </p>
      <h1>
        {t("bid.title")} · {d.project.title}
      </h1>
      <p>
        {t("bid.section", { code: d.section.code, title: d.section.title })} · {t("bid.deadline", { at: formatCst(d.deadline) })}
        {!d.closed && (
          <>
            {" · "}
            {t("bid.timeLeft")} <Countdown until={d.deadline} now={now} />
          </>
        )}
      </p>
      <p className="muted small">{d.openingKey ? t("bid.keyModelFallback", { k: d.openingKey.threshold }) : t("bid.keyModelBidder")}</p>

      <section className="card" data-testid="my-bid">
        <h2>{t("bid.mine")}</h2>
        {current ? (
          <>
            <p data-testid="current-bid">
              {t("bid.current", { version: current.version, at: formatCst(current.receivedAt), mb: (current.totalBytes / MB).toFixed(2) })}
            </p>
            <p className="mono small">
              {t("bid.manifestHash")}: {current.manifestSha256}
            </p>
            {current.sealedBeforeAmendment && <div className="alert alert-warn">{t("bid.amended", { seq: current.sealedBeforeAmendment })}</div>}
            <p className="actions">
              <Link to={`/bids/${current.id}/receipt`} data-testid="receipt-link">
                {t("bid.viewReceipt")}
              </Link>
              {!d.closed && (
                <Form method="post" onSubmit={(e) => !confirm(t("bid.withdrawConfirm")) && e.preventDefault()}>
                  <CsrfInput />
                  <button type="submit" name="intent" value="withdraw" className="secondary" disabled={nav.state !== "idle"}>
                    {t("bid.withdraw")}
                  </button>
                </Form>
              )}
            </p>
          </>
        ) : (
          <p className="muted" data-testid="no-bid">
            {t("bid.none")}
          </p>
        )}
        {d.bids.length > 0 && (
          <table className="small">
            <thead>
              <tr>
                <th>{t("bid.version")}</th>
                <th>{t("bid.status")}</th>
                <th>{t("bid.receivedAt")}</th>
              </tr>
            </thead>
            <tbody>
              {d.bids.map((b) => (
                <tr key={b.id}>
                  <td>{b.version}</td>
                  <td>{t(`bid.statuses.${b.status}`)}</td>
                  <td>
                    <Link to={`/bids/${b.id}/receipt`}>{formatCst(b.receivedAt)}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <ErrorAlert error={action?.error} />
      {/* Outside the form: a refusal at the deadline stays visible after the page closes (R19). */}
      <ErrorAlert error={error} />
      {action?.done === "withdrawn" && <div className="alert alert-ok">{t("bid.withdrawn")}</div>}

      {d.closed ? (
        <p className="card" data-testid="closed">
          {t("bid.closed")}
        </p>
      ) : (
        <section className="card">
          <h2>{current ? t("bid.replaceTitle") : t("bid.submitTitle")}</h2>
          {d.certificates.length === 0 && (
            <div className="alert alert-warn">
              {t("bid.noCertificate")} <Link to="/certificates">{t("bid.enrolLink")}</Link>
            </div>
          )}
          {d.upload && !busy && (
            <div className="alert alert-warn" data-testid="resume-banner">
              {t("bid.resume", { stored: d.upload.storedChunks, files: d.upload.files.length - 1 })}{" "}
              <button type="button" className="secondary" onClick={() => void onDiscard()}>
                {t("bid.discard")}
              </button>
            </div>
          )}
          <p className="muted small">{t("bid.sealHelp")}</p>
          <form ref={formRef} onSubmit={(e) => void onSubmit(e)} data-testid="bid-form">
            <fieldset disabled={busy}>
              <legend>{t("bid.certificate")}</legend>
              <label>
                {t("bid.p12File")}
                <input name="p12" type="file" accept=".p12,.pfx,application/x-pkcs12" required />
              </label>
              <label>
                {t("bid.passphrase")}
                <input name="passphrase" type="password" autoComplete="current-password" required />
              </label>
            </fieldset>
            <fieldset disabled={busy}>
              <legend>{t("bid.formTitle")}</legend>
              <label>
                {t("bid.price")}
                <input name="priceYuan" inputMode="decimal" pattern="[0-9]+(\.[0-9]{1,2})?" required />
              </label>
              <label>
                {t("bid.duration")}
                <input name="durationDays" inputMode="numeric" pattern="[0-9]+" required />
              </label>
              <label>
                {t("bid.quality")}
                <input name="quality" maxLength={200} required />
              </label>
              <label>
                {t("bid.manager")}
                <input name="projectManager" maxLength={60} required />
              </label>
              {d.inputs.provisional && (
                <label>
                  {t("bid.provisional")}
                  <input name="provisionalYuan" inputMode="decimal" pattern="[0-9]+(\.[0-9]{1,2})?" />
                </label>
              )}
              {d.inputs.brand && (
                <label>
                  {t("bid.brand")}
                  <input name="brand" maxLength={100} />
                </label>
              )}
              {d.inputs.policy.length > 0 && (
                <div className="field" data-testid="bid-policy">
                  <span className="label">{t("bid.policy")}</span>
                  {d.inputs.policy.map((p) => (
                    <label key={p.id} style={{ fontWeight: 400 }}>
                      <input type="checkbox" name="policy" value={p.id} /> {p.label}
                    </label>
                  ))}
                  <p className="hint">{t("bid.policyHint")}</p>
                </div>
              )}
              <label>
                {t("bid.files")}
                <input name="files" type="file" multiple required />
              </label>
            </fieldset>
            <button type="submit" disabled={busy || d.certificates.length === 0}>
              {d.upload ? t("bid.resumeButton") : current ? t("bid.replaceButton") : t("bid.submitButton")}
            </button>
          </form>
          {(busy || progress) && progress && (
            <div className="upload-progress" data-testid="upload-progress" aria-live="polite">
              <progress value={progress.sentBytes} max={progress.totalBytes} />
              <span data-testid="progress-text">
                {t(`bid.phase.${progress.phase}`)} {pct}% · {(progress.sentBytes / MB).toFixed(1)} / {(progress.totalBytes / MB).toFixed(1)} MB · {(progress.bytesPerSecond / MB).toFixed(1)} MB/s ·{" "}
                {progress.secondsLeft === null ? "—" : t("bid.secondsLeft", { s: Math.ceil(progress.secondsLeft) })}
              </span>
            </div>
          )}
          {done && (
            <div className="alert alert-ok" data-testid="bid-done">
              {t(done.resumed ? "bid.doneResumed" : "bid.done", { version: done.version })}{" "}
              <span data-testid="receipt-check">{done.valid ? t("receipt.valid", { signer: done.signer }) : t("receipt.invalid")}</span>{" "}
              <Link to={`/bids/${done.bidId}/receipt`}>{t("bid.viewReceipt")}</Link>
            </div>
          )}
        </section>
      )}
    </>
  );
}
