import { buildCsr, certInfo } from "#crypto/certs";
import { generateUserKeyPair } from "#crypto/keys";
import { enrollCertificate } from "#app/services/platform/certificates.server";
import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";

/** TEST FIXTURE: enrols a certificate for `actor` the way the browser does (key made client-side, CSR sent). */
export async function enrollFor(app: AppContext, actor: Actor) {
  const keys = await generateUserKeyPair();
  const issued = await enrollCertificate(app, actor, buildCsr(keys, "test"));
  const info = certInfo(issued.certPem);
  return { certificateId: issued.id, certPem: issued.certPem, chainPem: issued.chainPem, fingerprint: info.fingerprint, publicKeySpki: keys.publicKeySpki, privateKeyPkcs8: keys.privateKeyPkcs8 };
}
export type Enrolled = Awaited<ReturnType<typeof enrollFor>>;
