import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "#app/components/forms";
import type { ErrorPayload } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { useRootData } from "#app/root";
import { listMyCertificates } from "#app/services/platform/certificates.server";
import { requireActor } from "#app/utils/request.server";
import { newKeyAndCsr, offerDownload, openP12File, P12Error, p12ErrorPayload, packP12, postForm, registeredCertificate, signChallengeB64 } from "#app/client/p12";

export const meta: MetaFunction = () => [{ title: "数字证书 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "certificate:enroll");
  const certs = await listMyCertificates(context.app.db, actor);
  return json({
    username: actor.user!.username,
    certificates: certs.map((c) => ({
      id: c.id,
      fingerprint: c.fingerprint,
      serial: c.serialHex,
      subjectCn: c.subjectCn,
      subjectO: c.subjectO,
      issuerCn: c.issuerCn,
      source: c.source,
      notAfter: c.notAfter.toISOString(),
      status: c.status,
      revocationReason: c.revocationReason,
    })),
  });
}

type Status = { kind: "idle" } | { kind: "busy"; step: string } | { kind: "error"; error: ErrorPayload } | { kind: "ok"; message: string; url?: string; filename?: string };

const toError = (e: unknown): ErrorPayload =>
  e instanceof P12Error ? p12ErrorPayload(e) : e && typeof e === "object" && "code" in e ? (e as ErrorPayload) : { code: "generic" as never, params: {}, violations: [] };

/** My certificates: enrol in the browser (the key never leaves it), prove possession, register an external one. */
export default function Certificates() {
  const { certificates, username } = useLoaderData<typeof loader>();
  const root = useRootData();
  const csrf = root?.csrfToken ?? "";
  const { t } = useTranslation("bids");
  const revalidator = useRevalidator();
  const [enrol, setEnrol] = useState<Status>({ kind: "idle" });
  const [prove, setProve] = useState<Status>({ kind: "idle" });

  async function onEnrol(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const pass = String(f.get("passphrase") ?? "");
    if (pass.length < 8 || pass !== String(f.get("passphrase2") ?? "")) {
      setEnrol({ kind: "error", error: { code: "VALIDATION", params: {}, violations: [] } });
      return;
    }
    try {
      setEnrol({ kind: "busy", step: t("cert.stepKey") });
      const { keys, csrPem } = await newKeyAndCsr();
      setEnrol({ kind: "busy", step: t("cert.stepIssue") });
      const issued = await postForm<{ certPem: string; chainPem: string[] }>("/certificates/enroll", csrf, { csr: csrPem });
      setEnrol({ kind: "busy", step: t("cert.stepPack") });
      const p12 = packP12(keys, issued.certPem, issued.chainPem, pass, `Tenderhall ${username}`);
      keys.privateKeyPkcs8.fill(0);
      const filename = `tenderhall-${username}.p12`;
      const url = offerDownload(p12, filename);
      setEnrol({ kind: "ok", message: t("cert.enrolled"), url, filename });
      revalidator.revalidate();
    } catch (err) {
      setEnrol({ kind: "error", error: toError(err) });
    }
  }

  async function onProve(e: React.FormEvent<HTMLFormElement>, intent: "prove" | "register") {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const file = f.get("p12");
    try {
      if (!(file instanceof File) || !file.size) throw { code: "VALIDATION", params: {}, violations: [] };
      setProve({ kind: "busy", step: t("cert.stepOpen") });
      // Says what is wrong with the file (not PKCS#12 / wrong passphrase / no key / certificate not the key's).
      const opened = await openP12File(file, String(f.get("passphrase") ?? ""));
      const mine = intent === "prove" ? registeredCertificate(opened, certificates) : undefined;
      const challenge = await postForm<{ purpose: string; nonce: string; issuedAt: string }>("/certificates/challenge", csrf, { purpose: intent === "prove" ? "possession" : "register" });
      const signature = await signChallengeB64(challenge, opened.privateKeyPkcs8);
      const fields: Record<string, string> = { intent, nonce: challenge.nonce, signature };
      if (intent === "prove") fields.certificateId = mine!.id;
      else fields.certPem = opened.certPem;
      await postForm("/certificates/prove", csrf, fields);
      setProve({ kind: "ok", message: intent === "prove" ? t("cert.proved", { cn: opened.subjectCn }) : t("cert.registered") });
      revalidator.revalidate();
    } catch (err) {
      setProve({ kind: "error", error: toError(err) });
    }
  }

  return (
    <>
      <h1>{t("cert.title")}</h1>
      <p className="muted">{t("cert.intro")}</p>
      <section className="card">
        <h2>{t("cert.mine")}</h2>
        {certificates.length === 0 ? (
          <p className="muted" data-testid="no-certificates">
            {t("cert.none")}
          </p>
        ) : (
          <table data-testid="certificates">
            <thead>
              <tr>
                <th>{t("cert.subject")}</th>
                <th>{t("cert.issuer")}</th>
                <th>{t("cert.serial")}</th>
                <th>{t("cert.validUntil")}</th>
                <th>{t("cert.status")}</th>
              </tr>
            </thead>
            <tbody>
              {certificates.map((c) => (
                <tr key={c.id}>
                  <td>
                    {c.subjectCn}
                    <div className="muted small">{c.subjectO}</div>
                  </td>
                  <td>{c.issuerCn}</td>
                  <td className="mono small" title={c.fingerprint}>
                    {c.serial}
                  </td>
                  <td>{formatCst(c.notAfter)}</td>
                  <td>
                    <span className={`tag ${c.status === "revoked" ? "tag-warn" : ""}`}>{t(`cert.statuses.${c.status}`)}</span>
                    {c.revocationReason && <div className="muted small">{c.revocationReason}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card">
        <h2>{t("cert.enrolTitle")}</h2>
        <p className="muted">{t("cert.enrolHelp")}</p>
        <form onSubmit={onEnrol} data-testid="enrol-form">
          <label>
            {t("cert.passphrase")}
            <input name="passphrase" type="password" autoComplete="new-password" minLength={8} required />
          </label>
          <label>
            {t("cert.passphrase2")}
            <input name="passphrase2" type="password" autoComplete="new-password" minLength={8} required />
          </label>
          <button type="submit" disabled={enrol.kind === "busy"}>
            {t("cert.enrol")}
          </button>
        </form>
        <StatusView status={enrol} />
      </section>

      <section className="card">
        <h2>{t("cert.proveTitle")}</h2>
        <p className="muted">{t("cert.proveHelp")}</p>
        <form onSubmit={(e) => onProve(e, "prove")} data-testid="prove-form">
          <label>
            {t("cert.p12File")}
            <input name="p12" type="file" accept=".p12,.pfx,application/x-pkcs12" required />
          </label>
          <label>
            {t("cert.passphrase")}
            <input name="passphrase" type="password" autoComplete="current-password" required />
          </label>
          <div className="actions">
            <button type="submit" disabled={prove.kind === "busy"}>
              {t("cert.prove")}
            </button>
            <button type="button" className="secondary" disabled={prove.kind === "busy"} onClick={(e) => void onProve({ preventDefault() {}, currentTarget: e.currentTarget.form! } as unknown as React.FormEvent<HTMLFormElement>, "register")}>
              {t("cert.register")}
            </button>
          </div>
        </form>
        <StatusView status={prove} />
      </section>
    </>
  );
}

function StatusView({ status }: { status: Status }) {
  const { t } = useTranslation("bids");
  if (status.kind === "busy") return <p className="muted" role="status">{status.step}</p>;
  if (status.kind === "error") return <ErrorAlert error={status.error} />;
  if (status.kind === "ok")
    return (
      <div className="alert alert-ok" role="status" data-testid="status-ok">
        {status.message}
        {status.url && (
          <>
            {" "}
            <a href={status.url} download={status.filename} data-testid="p12-link">
              {t("cert.downloadAgain", { file: status.filename })}
            </a>
          </>
        )}
      </div>
    );
  return null;
}
