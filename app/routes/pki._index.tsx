import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCst } from "#app/domain/tender-form";
import { publishedCertificates } from "#app/services/platform/pki.server";

export const meta: MetaFunction = () => [{ title: "平台证书 · Tenderhall" }];

/** Public: the platform's trust anchors (root CA, document-signing and TSA certificates) and how to trust them. */
export async function loader({ context }: LoaderFunctionArgs) {
  const certs = publishedCertificates(context.app.config).map(({ der: _der, pem: _pem, ...c }) => c);
  return json({ certs, tsaUrl: `${context.app.config.publicUrl.replace(/\/$/, "")}/tsa` });
}

export default function PkiPage() {
  const { certs, tsaUrl } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const hasTsa = certs.some((c) => c.id === "tsa");
  return (
    <>
      <h1>{t("pki.title")}</h1>
      <p className="muted">{t("pki.intro")}</p>
      {certs.map((c) => (
        <section className="card" key={c.id} data-testid={`pki-${c.id}`}>
          <h2>{t(`pki.certs.${c.id}`)}</h2>
          <p className="muted">{t(`pki.certs.${c.id}Hint`)}</p>
          <dl className="kv">
            <dt>{t("pki.subject")}</dt>
            <dd>{c.subject}</dd>
            <dt>{t("pki.issuer")}</dt>
            <dd>{c.issuer}</dd>
            <dt>{t("pki.serial")}</dt>
            <dd>
              <code>{c.serialHex}</code>
            </dd>
            <dt>{t("pki.validity")}</dt>
            <dd>{t("pki.validityRange", { from: formatCst(new Date(c.notBefore)), to: formatCst(new Date(c.notAfter)) })}</dd>
            <dt>{t("pki.fingerprint")}</dt>
            <dd>
              <code style={{ wordBreak: "break-all" }}>{c.sha256}</code>
            </dd>
            <dt>{t("pki.download")}</dt>
            <dd>
              <a href={`/pki/${c.id}.pem`} download>
                {c.id}.pem
              </a>{" "}
              ·{" "}
              <a href={`/pki/${c.id}.cer`} download>
                {c.id}.cer (DER)
              </a>
            </dd>
          </dl>
        </section>
      ))}
      {hasTsa ? (
        <section className="card">
          <h2>{t("pki.tsaEndpoint")}</h2>
          <p>
            <code>{tsaUrl}</code>
          </p>
          <p className="muted">{t("pki.tsaEndpointHint")}</p>
        </section>
      ) : (
        <div className="alert">{t("pki.noTsa")}</div>
      )}
      <section className="card">
        <h2>{t("pki.howTitle")}</h2>
        <p>{t("pki.howPdfsig")}</p>
        <pre>
          <code>{`mkdir nss && certutil -N -d sql:nss --empty-password
certutil -A -d sql:nss -n tenderhall-ca -t CT,C,C -i ca.pem
pdfsig -nssdir sql:nss document.pdf`}</code>
        </pre>
        <p>{t("pki.howAdobe")}</p>
        <p>{t("pki.howOpenssl")}</p>
        <pre>
          <code>{`openssl ts -query -data file.bin -sha256 -cert -out req.tsq
curl -s -H 'Content-Type: application/timestamp-query' --data-binary @req.tsq ${tsaUrl} -o reply.tsr
openssl ts -verify -in reply.tsr -queryfile req.tsq -CAfile ca.pem
openssl ts -verify -token_in -in token.der -data signature-value.bin -CAfile ca.pem`}</code>
        </pre>
      </section>
    </>
  );
}
