// The repository stands alone (issue 16 item 7): the specifications the code cites are docs/rules.md (R1–R71),
// docs/evaluation-rules.md (EV…, TV-…) and docs/product.md. No file may point at a sheet outside the repository, every
// rule number the code cites has its entry, and every § cited exists in the doc it names.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const DOCS = ["docs/rules.md", "docs/evaluation-rules.md", "docs/product.md"];


/** Tracked text files (git ls-files) outside node_modules/ and build/, plus the three docs, with their contents. */
function trackedTexts(): { file: string; text: string }[] {
  const listed = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }).split("\0");
  const files = [...new Set([...listed, ...DOCS])].filter((f) => f && !/^(node_modules|build)\//.test(f) && !f.includes("/node_modules/"));
  const out: { file: string; text: string }[] = [];
  for (const file of files.sort()) {
    const abs = path.join(root, file);
    if (!existsSync(abs) || !statSync(abs).isFile()) continue; // deleted in the working tree
    const text = readFileSync(abs, "utf8");
    if (text.includes("\0")) continue; // binary fixture
    out.push({ file, text });
  }
  return out;
}

const texts = trackedTexts();
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

// Built from parts so that this file does not match itself.
const SHARED = new RegExp(["\\.\\.", "shared"].join("/"));
const BARE_SHEET = new RegExp("(?<!docs/)\\b(?:RULES|PRODUCT|EVALUATION|ARCHITECTURE|STACK|STYLE|LAYOUT|PEERS)\\.md\\b");

/** Every line of `text` matching `re`, as "file:line: text". */
function findings(file: string, text: string, re: RegExp): string[] {
  return text.split("\n").flatMap((line, i) => (re.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
}

/** The numbers of the headings "## N." / "### N.M" of a markdown doc. */
function sectionNumbers(doc: string): Set<string> {
  return new Set([...doc.matchAll(/^#{2,3} (\d+(?:\.\d+)?)[.\s]/gm)].map((m) => m[1]!));
}

describe("the repository is self-contained (issue 16 item 7)", () => {
  it("lists the tracked files and has the three docs", () => {
    expect(texts.length).toBeGreaterThan(300);
    for (const doc of DOCS) expect(existsSync(path.join(root, doc)), doc).toBe(true);
  });

  it("no file refers to the shared folder outside the repository or to a sheet that is not under docs/", () => {
    const found = texts.flatMap(({ file, text }) => [...findings(file, text, SHARED), ...findings(file, text, BARE_SHEET)]);
    expect(found).toEqual([]);
  });

  it("docs/rules.md has one entry per rule, R1 to R71 in order", () => {
    const numbers = [...read("docs/rules.md").matchAll(/^#{2,4} R(\d+)\b/gm)].map((m) => Number(m[1]));
    expect(numbers).toEqual(Array.from({ length: 71 }, (_, i) => i + 1));
  });

  it("every rule number cited in app/, crypto/, expert-pool/, db/ and server/ has its entry in docs/rules.md", () => {
    const entries = new Set([...read("docs/rules.md").matchAll(/^#{2,4} R(\d+)\b/gm)].map((m) => Number(m[1])));
    const cited = new Map<number, string>();
    for (const { file, text } of texts) {
      if (!/^(app|crypto|expert-pool|db|server)\//.test(file)) continue;
      for (const m of text.matchAll(/\bR([1-9][0-9]?)\b/g)) if (!cited.has(Number(m[1]))) cited.set(Number(m[1]), file);
    }
    expect(cited.size).toBeGreaterThan(60);
    expect([...cited].filter(([n]) => !entries.has(n)).map(([n, file]) => `R${n} (${file})`)).toEqual([]);
  });

  it("every EV rule cited anywhere has its entry in docs/evaluation-rules.md", () => {
    const doc = read("docs/evaluation-rules.md");
    const entries = new Set([...doc.matchAll(/^- \*\*EV(\d+)\b/gm)].map((m) => Number(m[1])));
    expect(entries.size).toBeGreaterThanOrEqual(26);
    const cited = new Map<number, string>();
    for (const { file, text } of texts) for (const m of text.matchAll(/\bEV(\d+)\b/g)) if (!cited.has(Number(m[1]))) cited.set(Number(m[1]), file);
    expect(cited.size).toBeGreaterThan(20);
    expect([...cited].filter(([n]) => !entries.has(n)).map(([n, file]) => `EV${n} (${file})`)).toEqual([]);
  });

  it("every test vector cited anywhere has its heading in docs/evaluation-rules.md §7", () => {
    const doc = read("docs/evaluation-rules.md");
    const covered = new Set<string>();
    for (const m of doc.matchAll(/^### TV-([A-Z])(\d+)(?:…\1?(\d+))?/gm)) {
      for (let n = Number(m[2]); n <= Number(m[3] ?? m[2]); n++) covered.add(`TV-${m[1]}${n}`);
    }
    const cited = new Map<string, string>();
    for (const { file, text } of texts) {
      for (const m of text.matchAll(/\bTV-([A-Z])(\d+)(?:…\1?(\d+))?/g)) {
        for (let n = Number(m[2]); n <= Number(m[3] ?? m[2]); n++) if (!cited.has(`TV-${m[1]}${n}`)) cited.set(`TV-${m[1]}${n}`, file);
      }
    }
    expect(cited.size).toBeGreaterThan(20);
    expect([...cited].filter(([id]) => !covered.has(id)).map(([id, file]) => `${id} (${file})`)).toEqual([]);
  });

  it("every § cited after docs/rules.md, docs/evaluation-rules.md or docs/product.md is a section of that doc", () => {
    const sections = new Map(DOCS.map((doc) => [doc, sectionNumbers(read(doc))]));
    const missing: string[] = [];
    for (const { file, text } of texts) {
      // "docs/product.md §3.5", "[docs/product.md](product.md) §3.5–§3.6", "docs/evaluation-rules.md §1.9, §2, §4.6–4.7"
      for (const m of text.matchAll(/(docs\/(?:rules|evaluation-rules|product)\.md)(?:\]\([^)]*\))?((?:[ ,;]*§\d+(?:\.\d+)?(?:\([a-z]\))?(?:[–-]§?\d+(?:\.\d+)?)?)+)/g)) {
        for (const s of m[2]!.matchAll(/§(\d+(?:\.\d+)?)(?:\([a-z]\))?(?:[–-]§?(\d+(?:\.\d+)?))?/g)) {
          for (const n of [s[1]!, s[2]].filter((x): x is string => !!x)) if (!sections.get(m[1]!)!.has(n)) missing.push(`${file}: ${m[1]} §${n}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
