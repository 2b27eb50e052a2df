import { createPrivateKey, generateKeyPair, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { openPkcs12, pemToDer } from "#crypto/certs";
import { createRootCa, issueSigningCert, toPkcs12 } from "#crypto/pki";
import type { SigningKey } from "#crypto/pdf/signed-pdf";
import { issueTsaCertificate, issuedByOneOf } from "#crypto/tsa/tsa";
import type { Config } from "./config.server";

/**
 * The keys the server holds (never one that opens a bid, docs/security.md): the platform CA, the document-signing key and the
 * time-stamping authority's key, as files under DATA_DIR/pki (keys mode 0600), created on first
 * use for the embedded default and replaceable by configured files (PLATFORM_P12 +
 * PLATFORM_P12_PASSPHRASE, PLATFORM_CA_CERT, PLATFORM_CA_KEY). The TSA (docs/decisions/016):
 * an EC P-256 key and a certificate issued by the platform CA with extendedKeyUsage
 * id-kp-timeStamping (critical), DATA_DIR/pki/tsa.key + tsa.pem; created whenever the CA's key is
 * at hand and the file is missing or was not issued by the current CA. Without a CA key (an
 * external CA configured without PLATFORM_CA_KEY) there is no embedded TSA and TSA_URL must be set.
 */
export type EmbeddedTsa = { key: KeyObject; certPem: string; certDer: Uint8Array };

export type DocumentSigner = {
  key: SigningKey;
  caCertPem: string;
  /** The document-signing certificate (the PKCS#12's end-entity certificate). */
  signerCertPem: string;
  /** The embedded time-stamping authority, or null when the CA's key is not held. */
  tsa: EmbeddedTsa | null;
  /** The CA's private key when this platform issues user certificates (embedded default, or PLATFORM_CA_KEY). */
  caKeyPem: string | null;
  /** External CAs whose user certificates are accepted (TRUSTED_CA_FILES, comma-separated PEM files — R71). */
  externalCaPems: string[];
  font: Uint8Array;
};

const cache = new Map<string, DocumentSigner>();

type PemKeys = { privateKeyPem: string; publicKeyPem: string };
const RSA_PEM = { modulusLength: 3072, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } } as const;

function keys(): PemKeys {
  const k = generateKeyPairSync("rsa", RSA_PEM);
  return { privateKeyPem: k.privateKey, publicKeyPem: k.publicKey };
}

const keysAsync = promisify(generateKeyPair);
const embeddedFiles = (dataDir: string) => {
  const dir = path.join(dataDir, "pki");
  return { dir, ca: path.join(dir, "ca.pem"), caKey: path.join(dir, "ca.key"), p12: path.join(dir, "signer.p12"), pass: path.join(dir, "signer.pass") };
};

/** Creates the embedded CA and the document-signing certificate (their files under DATA_DIR/pki). */
function createEmbeddedPki(files: ReturnType<typeof embeddedFiles>, caKeys: PemKeys, signerKeys: PemKeys) {
  const now = new Date();
  const ca = createRootCa({ keys: caKeys, serialHex: `01${randomBytes(8).toString("hex")}`, now, years: 20, cn: "Tenderhall Platform Root CA", org: "Tenderhall" });
  const s = issueSigningCert({ ca, keys: signerKeys, serialHex: `02${randomBytes(8).toString("hex")}`, now, years: 5, cn: "Tenderhall 平台文件签章", org: "Tenderhall 公共资源交易平台" });
  const pass = randomBytes(24).toString("base64url");
  writeFileSync(files.ca, ca.certPem, { mode: 0o644 });
  writeFileSync(files.caKey, ca.keyPem, { mode: 0o600 });
  writeFileSync(files.pass, pass, { mode: 0o600 });
  writeFileSync(files.p12, toPkcs12(s, [ca.certPem], pass), { mode: 0o600 });
}

/**
 * First start on a new data folder: generates the two RSA-3072 keys of the embedded PKI in the thread pool, side by
 * side (a second or more each), while the caller does other work — the server boots the database meanwhile. Nothing
 * to do when an external PKI is configured or the files exist; `documentSigner` then only reads them.
 */
export async function prepareEmbeddedPki(config: Pick<Config, "dataDir">, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.PLATFORM_P12 && env.PLATFORM_CA_CERT) return;
  const files = embeddedFiles(config.dataDir);
  if (existsSync(files.p12)) return;
  const [a, b] = await Promise.all([keysAsync("rsa", RSA_PEM), keysAsync("rsa", RSA_PEM)]);
  if (existsSync(files.p12)) return;
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  createEmbeddedPki(files, { privateKeyPem: a.privateKey, publicKeyPem: a.publicKey }, { privateKeyPem: b.privateKey, publicKeyPem: b.publicKey });
}

export function documentSigner(config: Pick<Config, "dataDir"> & Partial<Pick<Config, "trustedCaFiles">>, env: NodeJS.ProcessEnv = process.env): DocumentSigner {
  const key = `${config.dataDir}\n${(config.trustedCaFiles ?? []).join(",")}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const font = new Uint8Array(readFileSync(createRequire(import.meta.url).resolve("@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf")));
  const identity = { name: "Tenderhall 公共资源交易平台", location: "中国", reason: "平台电子签章" };
  let signer: DocumentSigner;
  const dir = path.join(config.dataDir, "pki");
  if (env.PLATFORM_P12 && env.PLATFORM_CA_CERT) {
    const key = { p12: new Uint8Array(readFileSync(env.PLATFORM_P12)), passphrase: env.PLATFORM_P12_PASSPHRASE ?? "", ...identity };
    const caCertPem = readFileSync(env.PLATFORM_CA_CERT, "utf8");
    const caKeyPem = env.PLATFORM_CA_KEY ? readFileSync(env.PLATFORM_CA_KEY, "utf8") : null;
    signer = {
      key,
      caCertPem,
      signerCertPem: openPkcs12(key.p12, key.passphrase).certPem,
      tsa: caKeyPem ? embeddedTsa(dir, caCertPem, caKeyPem) : null,
      caKeyPem,
      externalCaPems: externalCas(config.trustedCaFiles ?? []),
      font,
    };
  } else {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files = embeddedFiles(config.dataDir);
    if (!existsSync(files.p12)) createEmbeddedPki(files, keys(), keys());
    const key = { p12: new Uint8Array(readFileSync(files.p12)), passphrase: readFileSync(files.pass, "utf8"), ...identity };
    const caCertPem = readFileSync(files.ca, "utf8");
    const caKeyPem = readFileSync(files.caKey, "utf8");
    signer = {
      key,
      caCertPem,
      signerCertPem: openPkcs12(key.p12, key.passphrase).certPem,
      tsa: embeddedTsa(dir, caCertPem, caKeyPem),
      caKeyPem,
      externalCaPems: externalCas(config.trustedCaFiles ?? []),
      font,
    };
  }
  cache.set(key, signer);
  return signer;
}

/** The TSA key and certificate under `dir`, created (or re-issued for a new CA) on first use. */
function embeddedTsa(dir: string, caCertPem: string, caKeyPem: string): EmbeddedTsa {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = { cert: path.join(dir, "tsa.pem"), key: path.join(dir, "tsa.key") };
  const caCertDer = pemToDer(caCertPem);
  const now = new Date();
  const current = existsSync(files.cert) && existsSync(files.key) && issuedByOneOf(pemToDer(readFileSync(files.cert, "utf8")), [caCertDer], now);
  if (!current) {
    // EC P-256: a signature costs well under a millisecond (an RSA-3072 one several), docs/decisions/016.
    const k = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const certDer = issueTsaCertificate({
      caCertDer,
      caKey: createPrivateKey(caKeyPem),
      publicKeySpki: new Uint8Array(k.publicKey.export({ type: "spki", format: "der" })),
      serial: Uint8Array.from([0x03, ...randomBytes(8)]),
      now,
      years: 5,
      commonName: "Tenderhall 时间戳服务",
      organisation: "Tenderhall 公共资源交易平台",
    });
    writeFileSync(files.key, k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), { mode: 0o600 });
    writeFileSync(files.cert, derToPem(certDer), { mode: 0o644 });
  }
  const certPem = readFileSync(files.cert, "utf8");
  return { key: createPrivateKey(readFileSync(files.key, "utf8")), certPem, certDer: pemToDer(certPem) };
}

export function derToPem(der: Uint8Array, label = "CERTIFICATE"): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END ${label}-----\n`;
}

function externalCas(files: string[]): string[] {
  return files.map((f) => readFileSync(f, "utf8"));
}
