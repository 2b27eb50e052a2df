import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { createRootCa, issueSigningCert, toPkcs12 } from "#crypto/pki";
import type { SigningKey } from "#crypto/pdf/signed-pdf";
import type { Config } from "./config.server";

/**
 * The keys the server holds (ARCHITECTURE.md): the platform CA and the document-signing key,
 * as files under DATA_DIR/pki (mode 0600), created on first use for the embedded default and
 * replaceable by configured files (PLATFORM_P12 + PLATFORM_P12_PASSPHRASE, PLATFORM_CA_CERT).
 */
export type DocumentSigner = {
  key: SigningKey;
  caCertPem: string;
  /** The CA's private key when this platform issues user certificates (embedded default, or PLATFORM_CA_KEY). */
  caKeyPem: string | null;
  /** External CAs whose user certificates are accepted (TRUSTED_CA_FILES, comma-separated PEM files — R71). */
  externalCaPems: string[];
  font: Uint8Array;
};

const cache = new Map<string, DocumentSigner>();

function keys() {
  const k = generateKeyPairSync("rsa", { modulusLength: 3072 });
  return { privateKeyPem: k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKeyPem: k.publicKey.export({ type: "spki", format: "pem" }).toString() };
}

export function documentSigner(config: Pick<Config, "dataDir"> & Partial<Pick<Config, "trustedCaFiles">>, env: NodeJS.ProcessEnv = process.env): DocumentSigner {
  const key = `${config.dataDir}\n${(config.trustedCaFiles ?? []).join(",")}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const font = new Uint8Array(readFileSync(createRequire(import.meta.url).resolve("@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf")));
  const identity = { name: "Tenderhall 公共资源交易平台", location: "中国", reason: "平台电子签章" };
  let signer: DocumentSigner;
  if (env.PLATFORM_P12 && env.PLATFORM_CA_CERT) {
    signer = {
      key: { p12: new Uint8Array(readFileSync(env.PLATFORM_P12)), passphrase: env.PLATFORM_P12_PASSPHRASE ?? "", ...identity },
      caCertPem: readFileSync(env.PLATFORM_CA_CERT, "utf8"),
      caKeyPem: env.PLATFORM_CA_KEY ? readFileSync(env.PLATFORM_CA_KEY, "utf8") : null,
      externalCaPems: externalCas(config.trustedCaFiles ?? []),
      font,
    };
  } else {
    const dir = path.join(config.dataDir, "pki");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files = { ca: path.join(dir, "ca.pem"), caKey: path.join(dir, "ca.key"), p12: path.join(dir, "signer.p12"), pass: path.join(dir, "signer.pass") };
    if (!existsSync(files.p12)) {
      const now = new Date();
      const ca = createRootCa({ keys: keys(), serialHex: `01${randomBytes(8).toString("hex")}`, now, years: 20, cn: "Tenderhall Platform Root CA", org: "Tenderhall" });
      const s = issueSigningCert({ ca, keys: keys(), serialHex: `02${randomBytes(8).toString("hex")}`, now, years: 5, cn: "Tenderhall 平台文件签章", org: "Tenderhall 公共资源交易平台" });
      const pass = randomBytes(24).toString("base64url");
      writeFileSync(files.ca, ca.certPem, { mode: 0o644 });
      writeFileSync(files.caKey, ca.keyPem, { mode: 0o600 });
      writeFileSync(files.pass, pass, { mode: 0o600 });
      writeFileSync(files.p12, toPkcs12(s, [ca.certPem], pass), { mode: 0o600 });
    }
    signer = {
      key: { p12: new Uint8Array(readFileSync(files.p12)), passphrase: readFileSync(files.pass, "utf8"), ...identity },
      caCertPem: readFileSync(files.ca, "utf8"),
      caKeyPem: readFileSync(files.caKey, "utf8"),
      externalCaPems: externalCas(config.trustedCaFiles ?? []),
      font,
    };
  }
  cache.set(key, signer);
  return signer;
}

function externalCas(files: string[]): string[] {
  return files.map((f) => readFileSync(f, "utf8"));
}
