import type { LoaderFunctionArgs } from "@remix-run/node";
import { PKI_FILES, publishedCertificates, type PkiFile } from "#app/services/platform/pki.server";

/** /pki/ca.pem, /pki/ca.cer (DER), /pki/signer.pem … /pki/tsa.cer: the published certificates (public). */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const m = /^([a-z]+)\.(pem|cer|der)$/.exec(params.file ?? "");
  const id = m?.[1] as PkiFile | undefined;
  const cert = id && (PKI_FILES as readonly string[]).includes(id) ? publishedCertificates(context.app.config).find((c) => c.id === id) : undefined;
  if (!m || !cert) return new Response("Not found\n", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  const pem = m[2] === "pem";
  const body = pem ? cert.pem : cert.der.slice().buffer;
  return new Response(body, {
    headers: {
      "Content-Type": pem ? "application/x-pem-file" : "application/pkix-cert",
      "Content-Disposition": `attachment; filename="tenderhall-${cert.id}.${m[2]}"`,
      "Cache-Control": "public, max-age=3600",
    },
  });
}
