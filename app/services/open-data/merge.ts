import type { Json, Release } from "./release";

/**
 * Compiles the releases of one ocid by the OCDS 1.1 merge rules
 * (https://standard.open-contracting.org/1.1/en/schema/merging/), as a pure function:
 *
 * - releases are applied oldest first (by `date`; equal dates keep the given order, the feed's `seq`);
 * - an object merges into the compiled object field by field, recursively;
 * - an array whose items are all objects with an `id` merges by id: an item with a known id merges into it, a new
 *   id is appended (in the order first seen);
 * - every other array replaces the earlier value whole, as do the fields the schema marks `wholeListMerge`;
 * - a literal replaces; `null` removes the field;
 * - the release's `id`, `date` and `tag` are `omitWhenMerged`: the compiled release gets `tag: ["compiled"]`, the
 *   date of the latest release and the id `<ocid>-<that date>`.
 */

/** Fields marked `wholeListMerge` in the 1.1.5 schema and in the extensions used (lots, bids: `identifiers`). */
const WHOLE_LIST = new Set(["additionalIdentifiers", "additionalClassifications", "identifiers"]);
const OMIT_WHEN_MERGED = new Set(["id", "date", "tag"]);

type Obj = { [k: string]: Json };

const isObject = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function isIdentifiedList(v: Json[]): v is Obj[] {
  return v.length > 0 && v.every((x) => isObject(x) && (typeof x.id === "string" || typeof x.id === "number"));
}

/** A deep copy without the fields whose value is null (a null in a new object means "no value"). */
function clean(v: Json): Json {
  if (Array.isArray(v)) return v.map(clean);
  if (isObject(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = clean(x);
    return out;
  }
  return v;
}

function mergeValue(key: string, prior: Json | undefined, next: Json): Json {
  if (Array.isArray(next)) {
    if (!WHOLE_LIST.has(key) && isIdentifiedList(next)) {
      const out: Obj[] = Array.isArray(prior) && isIdentifiedList(prior) ? prior.map((x) => x) : [];
      for (const item of next) {
        const at = out.findIndex((x) => String(x.id) === String(item.id));
        if (at >= 0) out[at] = mergeObject(out[at]!, item);
        else out.push(clean(item) as Obj);
      }
      return out;
    }
    return clean(next);
  }
  if (isObject(next)) return mergeObject(isObject(prior) ? prior : {}, next);
  return next;
}

function mergeObject(prior: Obj, next: Obj): Obj {
  const out: Obj = { ...prior };
  for (const [k, v] of Object.entries(next)) {
    if (v === null) delete out[k];
    else out[k] = mergeValue(k, out[k], v);
  }
  return out;
}

/** Merges `next` into `compiled` (both release-shaped objects); neither argument is changed. */
export function mergeRelease(compiled: Release, next: Release): Release {
  const body: Obj = {};
  for (const [k, v] of Object.entries(next)) if (!OMIT_WHEN_MERGED.has(k)) body[k] = v;
  return mergeObject(compiled, body) as Release;
}

/** The compiled release of one ocid's releases (at least one). */
export function compileReleases(releases: Release[]): Release {
  if (!releases.length) throw new Error("compileReleases needs at least one release");
  const ocid = releases[0]!.ocid ?? null;
  if (typeof ocid !== "string") throw new Error("a release needs its ocid");
  if (releases.some((r) => r.ocid !== ocid)) throw new Error("releases of different ocids cannot be compiled together");
  const ordered = releases.map((r, i) => ({ r, i })).sort((a, b) => time(a.r) - time(b.r) || a.i - b.i);
  let compiled: Release = {};
  for (const { r } of ordered) compiled = mergeRelease(compiled, r);
  const date = String(ordered[ordered.length - 1]!.r.date);
  return { ocid, id: `${ocid}-${date}`, date, tag: ["compiled"], ...withoutOcid(compiled) };
}

function time(r: Release): number {
  const t = Date.parse(String(r.date));
  return Number.isNaN(t) ? 0 : t;
}

function withoutOcid(r: Release): Release {
  const { ocid: _ocid, ...rest } = r;
  return rest;
}
