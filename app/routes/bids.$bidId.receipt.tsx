import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { DomainError } from "#app/domain/errors";
import { formatInteger } from "#app/domain/money";
import { formatCst } from "#app/domain/tender-form";
import { bidReceipt } from "#app/services/bids/bids.server";
import { trustedCaPems } from "#app/services/platform/certificates.server";
import { notFound, requireActor, requireUuidParam } from "#app/utils/request.server";
import { verifyReceipt, type ReceiptCheck, type ReceiptPayload } from "#crypto/receipt";

export const meta: MetaFunction = () => [{ title: "投标回执 · Tenderhall" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "bid:submit");
  const bidId = requireUuidParam(params, "bidId");
  try {
    const r = await bidReceipt(context.app.db, actor, bidId);
    const payload = JSON.parse(Buffer.from(r.receipt.split(".")[1]!, "base64url").toString("utf8")) as ReceiptPayload;
    return json({ bidId, receipt: r.receipt, payload, trustedCas: trustedCaPems(context.app.config) });
  } catch (e) {
    if (e instanceof DomainError) notFound();
    throw e;
  }
}

/** The receipt (回执), checked in the bidder's browser: the platform's signature and certificate chain. */
export default function Receipt() {
  const { bidId, receipt, payload: p, trustedCas } = useLoaderData<typeof loader>();
  const { t } = useTranslation("bids");
  const [check, setCheck] = useState<ReceiptCheck | null>(null);
  const [fileCheck, setFileCheck] = useState<ReceiptCheck | null>(null);
  useEffect(() => {
    void verifyReceipt(receipt, trustedCas, new Date()).then(setCheck);
  }, [receipt, trustedCas]);
  return (
    <>
      <p className="muted small">
        <Link to={`/tenders/${p.project.id}/sections/${p.section.id}/bid`}>{t("receipt.back")}</Link>
      </p>
      <h1>{t("receipt.title")}</h1>
      <div className="card">
        <dl className="facts" data-testid="receipt">
          <dt>{t("receipt.project")}</dt>
          <dd>
            {p.project.code} {p.project.title}
          </dd>
          <dt>{t("receipt.section")}</dt>
          <dd>
            {p.section.code} {p.section.title}
          </dd>
          <dt>{t("receipt.bidder")}</dt>
          <dd>
            {p.bidder.name} {p.bidder.creditCode ?? ""}
          </dd>
          <dt>{t("receipt.version")}</dt>
          <dd>{p.version}</dd>
          <dt>{t("receipt.manifest")}</dt>
          <dd className="mono small">{p.manifestSha256}</dd>
          <dt>{t("receipt.size")}</dt>
          <dd>{formatInteger(p.totalBytes)} B</dd>
          <dt>{t("receipt.certificate")}</dt>
          <dd className="mono small">{p.certificate}</dd>
          <dt>{t("receipt.receivedAt")}</dt>
          <dd>{formatCst(p.receivedAt)}</dd>
        </dl>
        <p data-testid="receipt-verdict" className={check?.valid ? "alert alert-ok" : check ? "alert alert-error" : "muted"}>
          {!check ? t("receipt.checking") : check.valid ? t("receipt.valid", { signer: check.signer }) : t(`receipt.reasons.${check.reason}`)}
        </p>
        <p className="actions">
          <a href={`/bids/${bidId}/receipt.jws`} download data-testid="receipt-download">
            {t("receipt.download")}
          </a>
        </p>
      </div>
      <div className="card">
        <h2>{t("receipt.verifyFile")}</h2>
        <input
          type="file"
          accept=".jws,application/jose"
          data-testid="receipt-file"
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            if (f) void f.text().then((s) => verifyReceipt(s, trustedCas, new Date())).then(setFileCheck);
          }}
        />
        {fileCheck && (
          <p data-testid="receipt-file-verdict" className={fileCheck.valid ? "alert alert-ok" : "alert alert-error"}>
            {fileCheck.valid ? `${t("receipt.valid", { signer: fileCheck.signer })} · v${fileCheck.payload.version} · ${fileCheck.payload.manifestSha256.slice(0, 16)}…` : t(`receipt.reasons.${fileCheck.reason}`)}
          </p>
        )}
      </div>
    </>
  );
}
