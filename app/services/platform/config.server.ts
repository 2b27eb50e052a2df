import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  /** PostgreSQL connection string. Unset → embedded PGlite under DATA_DIR. */
  DATABASE_URL: z.preprocess((v) => (v === "" ? undefined : v), z.string().url().optional()),
  DATA_DIR: z.string().default("./data"),
  /** Comma-separated secrets (first signs, all verify: rotation). Generated into DATA_DIR when unset. */
  SESSION_SECRET: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(32).optional()),
  /** Public base URL, used in feeds and notices. */
  PUBLIC_URL: z.preprocess((v) => (v === "" ? undefined : v), z.string().url().optional()),
  /** Seed the demo trading centre when the database is empty (npm start sets it). */
  SEED_DEMO: z
    .enum(["0", "1", "true", "false"])
    .default("0")
    .transform((v) => v === "1" || v === "true"),
  /** Cookies carry the Secure flag (set when served over HTTPS). */
  COOKIE_SECURE: z
    .enum(["0", "1", "true", "false"])
    .default("0")
    .transform((v) => v === "1" || v === "true"),
  /** An external RFC 3161 time-stamping authority (HTTP POST application/timestamp-query). Unset → the embedded TSA, in-process. */
  TSA_URL: z.preprocess((v) => (v === "" ? undefined : v), z.string().url().startsWith("http").optional()),
  /** Maximum tender document size in bytes. */
  MAX_DOCUMENT_BYTES: z.coerce.number().int().positive().default(100 * 1024 * 1024),
  /** R61: archive retention in years, overriding the rule profile's `retentionYears` (at least 15: R61 is a minimum). */
  ARCHIVE_RETENTION_YEARS: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(15).max(100).optional()),
  /** OCDS ocid prefix (registered with the Open Contracting Partnership); ocid = prefix + "-" + project code (docs/open-data.md). */
  OCDS_OCID_PREFIX: z.string().regex(/^ocds-[a-z0-9]{6}$/).default("ocds-th0001"),
  /** HTTP server processes on PostgreSQL (node:cluster, docs/decisions/022). The embedded PGlite is one process's: there it is always 1. */
  WEB_CONCURRENCY: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1).max(16).default(1)),
  /** How long the anonymous tender list's rendered page is reused, in ms (0 = never cached; server/page-cache.ts, ADR 024). */
  PAGE_CACHE_TTL_MS: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(0).max(3_600_000).default(1000)),
  /** The record's checkpoints (docs/record-format.md §4): one every this many entries… */
  CHECKPOINT_EVERY_ENTRIES: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1).max(1_000_000).default(256)),
  /** …or this many minutes after the last, when the record grew. */
  CHECKPOINT_EVERY_MINUTES: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1).max(1440).default(5)),
});

export type Config = {
  env: "development" | "production" | "test";
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  sessionSecrets: string[];
  publicUrl: string;
  seedDemo: boolean;
  /** WEB_CONCURRENCY: server processes sharing the port (1 on PGlite, whatever was asked). */
  workers: number;
  /** PAGE_CACHE_TTL_MS: the anonymous tender list's page cache lifetime (0 = off). */
  pageCacheTtlMs: number;
  /** CHECKPOINT_EVERY_ENTRIES / CHECKPOINT_EVERY_MINUTES: when the record's next checkpoint is due. */
  checkpoints: { everyEntries: number; everyMs: number };
  cookieSecure: boolean;
  maxDocumentBytes: number;
  /** OCDS_OCID_PREFIX: the open-data feed's ocid prefix (docs/open-data.md). */
  ocdsOcidPrefix: string;
  /** R61: ARCHIVE_RETENTION_YEARS when set (overrides the profile's retentionYears), else undefined. */
  archiveRetentionYears?: number;
  /** TSA_URL: the external time-stamping authority for PAdES B-T signatures (docs/decisions/016); unset → the embedded one. */
  tsaUrl?: string;
  /** PEM files of external CAs whose user certificates are accepted (TRUSTED_CA_FILES, comma-separated — R71). */
  trustedCaFiles: string[];
};

/** Parses the environment once at boot and fails fast with a readable message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    sessionSecrets: e.SESSION_SECRET ? e.SESSION_SECRET.split(",") : [persistentSecret(dataDir)],
    publicUrl: e.PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`,
    seedDemo: e.SEED_DEMO,
    workers: e.DATABASE_URL ? e.WEB_CONCURRENCY : 1,
    pageCacheTtlMs: e.PAGE_CACHE_TTL_MS,
    checkpoints: { everyEntries: e.CHECKPOINT_EVERY_ENTRIES, everyMs: e.CHECKPOINT_EVERY_MINUTES * 60_000 },
    cookieSecure: e.COOKIE_SECURE,
    maxDocumentBytes: e.MAX_DOCUMENT_BYTES,
    ...(e.TSA_URL ? { tsaUrl: e.TSA_URL } : {}),
    ocdsOcidPrefix: e.OCDS_OCID_PREFIX,
    archiveRetentionYears: e.ARCHIVE_RETENTION_YEARS,
    trustedCaFiles: (env.TRUSTED_CA_FILES ?? "")
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean),
  };
}

/** A random secret kept under the data folder (mode 0600) so sessions survive restarts. */
function persistentSecret(dataDir: string): string {
  const file = path.join(dataDir, "session-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
