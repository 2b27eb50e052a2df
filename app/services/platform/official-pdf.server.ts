import { signedOfficialPdf, type OfficialDocument } from "#crypto/pdf/signed-pdf";
import type { AppContext } from "./context.server";
import { documentSigner } from "./platform-signer.server";
import { signatureTimeStamp } from "./tsa.server";

export type { OfficialDocument } from "#crypto/pdf/signed-pdf";

/**
 * The one server-side entry point for official PDFs (开标记录表, 流标公告, 专家抽取记录, 评标报告, and the
 * award/result notices to come): renders `doc`, signs it with the platform's document-signing
 * certificate as PAdES baseline B-T (ETSI.CAdES.detached), and time-stamps the signature — the
 * embedded TSA in-process, or TSA_URL when configured (tsa.server.ts). `now` is the database
 * clock of the operation (the PDF's dates and the signature's /M); the time-stamp's genTime is the
 * database clock when it is made. `reason` is the signature's /Reason (default 平台电子签章).
 * Byte layout: docs/pades.md; decision: docs/decisions/016-pades-and-tsa.md.
 */
export async function signOfficial(ctx: Pick<AppContext, "db" | "config">, doc: OfficialDocument, opts: { now: Date; reason?: string }): Promise<Uint8Array> {
  const signer = documentSigner(ctx.config);
  const key = opts.reason ? { ...signer.key, reason: opts.reason } : signer.key;
  return signedOfficialPdf(doc, signer.font, key, opts.now, (signature) => signatureTimeStamp(ctx, signature));
}
