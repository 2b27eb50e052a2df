/**
 * Canonical JSON (RFC 8785 JCS subset): object keys sorted by UTF-16 code units, no
 * whitespace, numbers as ECMAScript serialises them. Used wherever a hash must be
 * reproducible by an independent verifier. `undefined` members are dropped; non-finite
 * numbers, bigint, functions and symbols are refused.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonicalJson: non-finite number");
      return JSON.stringify(value);
    case "string":
      return JSON.stringify(value);
    case "object": {
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (Array.isArray(value)) {
        // Arrays of strings, finite numbers, booleans, null and such arrays serialise exactly as JSON.stringify
        // does (the same string escaping and number form, no keys to sort): one native call for large lists.
        if (isScalarTree(value)) return JSON.stringify(value);
        // Array.from visits holes too (map would skip them and print "[1,,2]"): a hole is null, as undefined is.
        return `[${Array.from(value, (v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
      }
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
  }
}

function isScalarTree(list: readonly unknown[]): boolean {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v === "string" || typeof v === "boolean" || v === null) continue;
    if (typeof v === "number" ? Number.isFinite(v) : Array.isArray(v) && isScalarTree(v)) continue;
    return false;
  }
  return true;
}
