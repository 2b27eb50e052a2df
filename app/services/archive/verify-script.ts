/**
 * `record/verify-entries.mjs`, written into every archive: a dependency-free Node.js (≥ 18) script that re-checks the
 * exported record entries without the platform or its database. It restates the hashing rule of crypto/record-hash.ts
 * and crypto/canonical-json.ts (docs/decisions/003-command-layer-and-record.md) so that an auditor can read it in one
 * page; test/integration/archive.test.ts runs it on an exported archive, so it cannot drift from the real rule.
 */
export const VERIFY_ENTRIES_MJS = `#!/usr/bin/env node
// Checks record/entries.jsonl of a Tenderhall archive (交易档案核验). Usage: node record/verify-entries.mjs [dir]
// For every entry: payloadHash = SHA-256(canonical JSON of payload); hash = SHA-256(canonical JSON of
// {v:2, seq, at, actorUserId, orgId, ip, action, subjectType, subjectId, payloadHash, prevHash, stateHash}) — or, for
// an entry without stateHash (written before state binding), of the same without stateHash and with v:1.
// Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers and strings as JSON.stringify.
// Entries listed with "withheld" had fields removed for confidentiality: only what is left is checked.
// Consecutive entries (seq, seq + 1) must link: the later prevHash is the earlier hash.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const canonical = (v) => {
  if (v === null) return "null";
  if (Array.isArray(v)) return "[" + v.map((x) => canonical(x === undefined ? null : x)).join(",") + "]";
  if (typeof v === "object") {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
  }
  return JSON.stringify(v);
};
const sha256 = (s) => createHash("sha256").update(s, "utf8").digest("hex");
const lines = readFileSync(path.join(dir, "record", "entries.jsonl"), "utf8").split("\\n").filter(Boolean);
const head = JSON.parse(readFileSync(path.join(dir, "record", "head.json"), "utf8"));
let failures = 0;
let checked = 0;
let withheld = 0;
let prev = null;
const fail = (seq, why) => {
  failures++;
  console.error("entry #" + seq + ": " + why);
};
for (const line of lines) {
  const e = JSON.parse(line);
  const hidden = new Set(e.withheld ?? []);
  if (hidden.size) withheld++;
  if (!hidden.has("payload") && sha256(canonical(e.payload)) !== e.payloadHash) fail(e.seq, "payloadHash does not match the payload");
  if (!hidden.has("actor")) {
    const fields = { v: 1, seq: e.seq, at: e.at, actorUserId: e.actorUserId, orgId: e.orgId, ip: e.ip, action: e.action, subjectType: e.subjectType, subjectId: e.subjectId, payloadHash: e.payloadHash, prevHash: e.prevHash };
    if (e.stateHash != null) Object.assign(fields, { v: 2, stateHash: e.stateHash });
    if (sha256(canonical(fields)) !== e.hash) fail(e.seq, "hash does not match the entry");
  }
  if (prev && e.seq <= prev.seq) fail(e.seq, "entries out of order");
  if (prev && e.seq === prev.seq + 1 && e.prevHash !== prev.hash) fail(e.seq, "prevHash is not the hash of entry #" + prev.seq);
  if (e.seq > head.seq) fail(e.seq, "entry after the chain head of the export (#" + head.seq + ")");
  prev = e;
  checked++;
}
if (failures) {
  console.error(failures + " problem(s) in " + checked + " entries");
  process.exit(1);
}
console.log("OK: " + checked + " entries (" + withheld + " with withheld fields), chain head at export #" + head.seq + " " + head.hash);
`;
