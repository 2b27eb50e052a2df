import { json, type ActionFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { DomainError, type ErrorPayload } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { memoryFile, multipartForm } from "#app/services/platform/multipart.server";
import { MAX_UPLOAD_BYTES } from "#app/services/verification/limits";
import { verifyUpload, type EntryView, type ProofView, type Verification } from "#app/services/verification/verify.server";
import { errorResponse, readForm } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "文件验证 · Tenderhall" }];

/**
 * Public, no login: upload a PDF the platform issued, a bid receipt (JWS, as a file or pasted) or an archive export
 * and see whether its signatures hold, who signed and when, which document of which tender it is, its record entry
 * and the entry's inclusion proof in the latest checkpoint (docs/decisions/026-public-verification-page.md). The form
 * carries the CSRF token as every form does (readForm checks it before a byte of the file is kept); the file is held
 * in memory for the check only (at most MAX_UPLOAD_BYTES) and never stored.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  try {
    const form = await readForm(request, context, multipartForm({ request, fileFields: ["file"], maxFiles: 1, maxFileBytes: MAX_UPLOAD_BYTES, onFile: memoryFile(MAX_UPLOAD_BYTES) }));
    const file = form.get("file");
    const pasted = form.get("receipt");
    let bytes: Uint8Array | null = null;
    if (file instanceof File && file.size > 0) bytes = new Uint8Array(await file.arrayBuffer());
    else if (typeof pasted === "string" && pasted.trim()) bytes = new TextEncoder().encode(pasted);
    if (!bytes) throw new DomainError("VALIDATION", { field: "file", reason: "required" });
    const result: Verification = await verifyUpload(context.app, bytes);
    return json({ ok: true as const, result, name: file instanceof File && file.size > 0 ? file.name : null }, { headers: { "Cache-Control": "no-store" } });
  } catch (e) {
    return errorResponse(e);
  }
}

type Data = { ok: true; result: Verification; name: string | null } | { ok: false; error: ErrorPayload };

const ALERT: Record<string, string> = { valid: "alert-ok", recorded: "alert-ok", unrecorded: "alert-warn", modified: "alert-error", foreign: "alert-warn", invalid: "alert-error", unreadable: "alert-error" };

function Hash({ value }: { value: string }) {
  return <code style={{ wordBreak: "break-all" }}>{value}</code>;
}

function Entry({ entry, proof }: { entry: EntryView | null; proof: ProofView | null }) {
  const { t } = useTranslation();
  if (!entry) return null;
  return (
    <section data-testid="verify-entry">
      <h3>{t("verify.entry")}</h3>
      <dl className="kv">
        <dt>{t("verify.seq")}</dt>
        <dd>
          <a href={`/verify/record?seq=${entry.seq}`}>#{entry.seq}</a>
        </dd>
        <dt>{t("verify.action")}</dt>
        <dd>
          <code>{entry.action}</code>
        </dd>
        <dt>{t("verify.at")}</dt>
        <dd>{formatCst(new Date(entry.at))}</dd>
        <dt>{t("verify.entryHash")}</dt>
        <dd>
          <Hash value={entry.hash} />
        </dd>
      </dl>
      <h3>{t("verify.proof")}</h3>
      {proof && proof.covered ? (
        <div data-testid="verify-proof">
          <div className={`alert ${proof.included && proof.checkpointValid ? "alert-ok" : "alert-error"}`}>
            {proof.included && proof.checkpointValid ? t("verify.included", { seq: entry.seq, size: proof.size }) : t("verify.notIncluded")}
          </div>
          <dl className="kv">
            <dt>{t("verify.checkpoint")}</dt>
            <dd>
              {t("verify.checkpointLine", { size: proof.size, at: formatCst(new Date(proof.issuedAt)) })} · {proof.checkpointValid ? t("verify.checkpointSigned") : t("verify.checkpointBad")}
            </dd>
            <dt>{t("verify.root")}</dt>
            <dd>
              <Hash value={proof.rootHash} />
            </dd>
            <dt>{t("verify.path")}</dt>
            <dd>
              {proof.proof.length === 0
                ? "—"
                : proof.proof.map((h, i) => (
                    <div key={`${i}-${h}`}>
                      <Hash value={h} />
                    </div>
                  ))}
            </dd>
          </dl>
          <p className="muted">
            <a href={`/verify/record/inclusion.json?seq=${entry.seq}&size=${proof.size}`}>inclusion.json</a> · <a href="/verify/record.json">record.json</a>
          </p>
        </div>
      ) : (
        <div className="alert alert-warn" data-testid="verify-not-covered">
          {t("verify.notCovered", { seq: entry.seq })}
        </div>
      )}
    </section>
  );
}

function Result({ result, name }: { result: Verification; name: string | null }) {
  const { t } = useTranslation();
  if (result.type === "unknown")
    return (
      <div className="alert alert-error" data-testid="verify-status" data-status="unknown">
        {t("verify.unknown")}
      </div>
    );
  const status = (
    <div className={`alert ${ALERT[result.status] ?? "alert-error"}`} data-testid="verify-status" data-status={result.status}>
      <strong>{t(`verify.status.${result.status}`)}</strong> {t(`verify.explain.${result.type}.${result.status}`)}
    </div>
  );
  if (result.type === "pdf") {
    const d = result.document;
    return (
      <div data-testid="verify-result">
        {status}
        <dl className="kv">
          {name ? (
            <>
              <dt>{t("verify.file")}</dt>
              <dd>{name}</dd>
            </>
          ) : null}
          <dt>SHA-256</dt>
          <dd>
            <Hash value={result.pdf.sha256} />
          </dd>
          {d ? (
            <>
              <dt>{t("verify.document")}</dt>
              <dd data-testid="verify-document">
                {t(`verify.kinds.${d.kind}`, { defaultValue: d.kind })}
                {d.number ? ` · ${d.number}` : ""}
                {d.version ? ` · ${t("verify.version", { n: d.version })}` : ""}
              </dd>
              <dt>{t("verify.tender")}</dt>
              <dd data-testid="verify-tender">
                {d.project.code} {d.project.title}
              </dd>
              {d.section ? (
                <>
                  <dt>{t("verify.section")}</dt>
                  <dd>
                    {d.section.code} {d.section.title}
                  </dd>
                </>
              ) : null}
            </>
          ) : null}
        </dl>
        {result.pdf.signatures.length ? (
          <>
            <h3>{t("verify.signatures", { n: result.pdf.signatures.length })}</h3>
            <div className="table-wrap">
              <table data-testid="verify-signatures">
                <thead>
                  <tr>
                    <th>{t("verify.sigStatus")}</th>
                    <th>{t("verify.signer")}</th>
                    <th>{t("verify.tsTime")}</th>
                    <th>{t("verify.tsa")}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.pdf.signatures.map((s, i) => (
                    <tr key={`${i}-${s.field}`}>
                      <td>{s.valid ? t("verify.sigValid") : t("verify.sigInvalid", { reason: t(`verify.failures.${s.failure}`, { defaultValue: s.failure ?? "" }) })}</td>
                      <td data-testid="verify-signer">
                        {s.signer ?? "—"}
                        {s.platformSigner ? <div className="muted">{t("verify.platformSigner")}</div> : s.signer ? <div className="muted">{t("verify.userSigner")}</div> : null}
                      </td>
                      <td>
                        {s.timestamp?.genTime ? formatCst(new Date(s.timestamp.genTime)) : "—"}
                        {s.claimedTime ? <div className="muted">{t("verify.claimed", { m: s.claimedTime })}</div> : null}
                      </td>
                      <td>
                        {s.timestamp ? (s.timestamp.valid ? (s.timestamp.tsa ?? "") : t("verify.tsInvalid", { reason: s.timestamp.failure ?? "" })) : s.signer ? t("verify.noTimestamp") : "—"}
                        {s.timestamp?.valid ? <div className="muted">{s.timestamp.platformTsa ? t("verify.platformTsa") : t("verify.otherTsa")}</div> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : null}
        <Entry entry={result.entry} proof={result.proof} />
      </div>
    );
  }
  if (result.type === "receipt") {
    const c = result.claims;
    return (
      <div data-testid="verify-result">
        {status}
        {c ? (
          <dl className="kv">
            <dt>{t("verify.signer")}</dt>
            <dd data-testid="verify-signer">{result.signer}</dd>
            <dt>{t("verify.tender")}</dt>
            <dd data-testid="verify-tender">
              {c.project.code} {c.project.title}
            </dd>
            <dt>{t("verify.section")}</dt>
            <dd>
              {c.section.code} {c.section.title}
            </dd>
            <dt>{t("verify.bidder")}</dt>
            <dd>
              {c.bidder.name}
              {c.bidder.creditCode ? ` · ${c.bidder.creditCode}` : ""}
            </dd>
            <dt>{t("verify.receiptId")}</dt>
            <dd>
              <code>{c.receiptId}</code> · {t("verify.version", { n: c.version })}
            </dd>
            <dt>{t("verify.receivedAt")}</dt>
            <dd>{formatCst(new Date(c.receivedAt))}</dd>
            <dt>{t("verify.manifestSha256")}</dt>
            <dd>
              <Hash value={c.manifestSha256} />
            </dd>
            <dt>{t("verify.totalBytes")}</dt>
            <dd>{c.totalBytes}</dd>
            <dt>{t("verify.bidderCert")}</dt>
            <dd>
              <Hash value={c.certificate} />
            </dd>
          </dl>
        ) : null}
        <Entry entry={result.entry} proof={result.proof} />
      </div>
    );
  }
  return (
    <div data-testid="verify-result">
      {status}
      {result.zipError ? <p>{t(`verify.zip.${result.zipError}`)}</p> : null}
      {result.project ? (
        <dl className="kv">
          <dt>{t("verify.tender")}</dt>
          <dd data-testid="verify-tender">
            {result.project.code} {result.project.title}
          </dd>
          <dt>{t("verify.exportedAt")}</dt>
          <dd>{result.exportedAt ? formatCst(new Date(result.exportedAt)) : "—"}</dd>
          <dt>{t("verify.manifest")}</dt>
          <dd>
            <Hash value={result.manifestSha256 ?? ""} />
          </dd>
          <dt>{t("verify.archiveSummary")}</dt>
          <dd>{t("verify.archiveCounts", { files: result.files, withheld: result.withheld, lines: result.recordLines, pdfs: result.pdfs.checked, pdfsValid: result.pdfs.valid, receipts: result.receipts.checked, receiptsValid: result.receipts.valid })}</dd>
          {result.recordHead ? (
            <>
              <dt>{t("verify.recordHead")}</dt>
              <dd>
                #{result.recordHead.seq} <Hash value={result.recordHead.hash} />
              </dd>
            </>
          ) : null}
        </dl>
      ) : null}
      {result.problems.length ? (
        <ul data-testid="verify-problems">
          {result.problems.map((p, i) => (
            <li key={i}>
              {t(`verify.problems.${p.code}`, { defaultValue: p.code })}
              {p.path ? (
                <>
                  {" "}
                  <code>{p.path}</code>
                </>
              ) : null}
              {p.seq ? ` #${p.seq}` : ""}
            </li>
          ))}
        </ul>
      ) : null}
      <Entry entry={result.entry} proof={result.proof} />
    </div>
  );
}

export default function Verify() {
  const data = useActionData<typeof action>() as Data | undefined;
  const nav = useNavigation();
  const { t } = useTranslation();
  return (
    <>
      <h1>{t("verify.title")}</h1>
      <p className="muted">{t("verify.intro")}</p>
      <section className="card">
        <Form method="post" encType="multipart/form-data" data-testid="verify-form">
          <CsrfInput />
          <p>
            <label>
              {t("verify.fileLabel")} <input type="file" name="file" accept=".pdf,.zip,.jws,application/pdf,application/zip" data-testid="verify-file" />
            </label>
          </p>
          <p>
            <label>
              {t("verify.pasteLabel")}
              <br />
              <textarea name="receipt" rows={3} cols={60} maxLength={65536} spellCheck={false} placeholder="eyJ…" />
            </label>
          </p>
          <p className="muted">{t("verify.limits", { mb: MAX_UPLOAD_BYTES / 1048576 })}</p>
          <button type="submit" disabled={nav.state !== "idle"}>
            {t("verify.submit")}
          </button>
        </Form>
        {data && !data.ok ? <ErrorAlert error={data.error} /> : null}
      </section>
      {data && data.ok ? (
        <section className="card">
          <h2>{t("verify.result")}</h2>
          <Result result={data.result} name={data.name} />
        </section>
      ) : null}
      <section className="card">
        <h2>{t("verify.howTitle")}</h2>
        <p>{t("verify.how")}</p>
        <p className="muted">
          <a href="/pki">{t("nav.pki")}</a> · <a href="/verify/record">{t("nav.transparency")}</a> · <code>POST /verify.json</code>
        </p>
      </section>
    </>
  );
}
