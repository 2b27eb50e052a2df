import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resources } from "#app/locales/index";

type Tree = { [k: string]: string | Tree };

function keyPaths(tree: Tree, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === "string" ? [`${prefix}${k}`] : keyPaths(v, `${prefix}${k}.`)));
}

function lookup(tree: Tree, key: string): string | Tree | undefined {
  let cur: string | Tree | undefined = tree;
  for (const part of key.split(".")) {
    if (cur === undefined || typeof cur === "string") return undefined;
    cur = cur[part];
  }
  return cur;
}

const zh = resources["zh-CN"] as unknown as Record<string, Tree>;
const en = resources.en as unknown as Record<string, Tree>;

describe("i18n catalogs (zh-CN default, English switch)", () => {
  it("both languages have the same namespaces", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });

  for (const ns of Object.keys(zh)) {
    it(`namespace "${ns}": the same keys in zh-CN and en, none empty`, () => {
      const a = keyPaths(zh[ns]!).sort();
      const b = keyPaths(en[ns]!).sort();
      expect(a.filter((k) => !b.includes(k)), "missing in en").toEqual([]);
      expect(b.filter((k) => !a.includes(k)), "missing in zh-CN").toEqual([]);
      for (const k of a) {
        expect((lookup(zh[ns]!, k) as string).trim(), `zh-CN ${ns}:${k}`).not.toBe("");
        expect((lookup(en[ns]!, k) as string).trim(), `en ${ns}:${k}`).not.toBe("");
      }
    });
  }

  it("every literal t(\"…\") key used in app/ exists in both languages", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = path.join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|tsx)$/.test(f) && !/\.test\./.test(f)) files.push(p);
      }
    };
    walk(path.resolve(import.meta.dirname, "../../app"));
    const problems: string[] = [];
    let checked = 0;
    for (const file of files) {
      const src = readFileSync(file, "utf8");
      const ns = /useTranslation\(\s*"([a-z]+)"\s*\)/.exec(src)?.[1] ?? "common";
      // Literal keys: t("key") / t("ns:key"); template keys: check their static prefix.
      for (const m of src.matchAll(/\bt\(\s*(["`])([^"`$]*)(\$\{)?[^"`]*\1/g)) {
        const raw = m[2]!;
        const isTemplate = m[1] === "`" && m[3] !== undefined;
        if (!raw || /\s/.test(raw)) continue;
        const [space, key] = raw.includes(":") ? (raw.split(":", 2) as [string, string]) : [ns, raw];
        if (!(space in zh)) continue; // not an i18n call (e.g. a local function named t)
        const probe = isTemplate ? key.replace(/\.$/, "") : key;
        for (const [lang, cat] of [["zh-CN", zh], ["en", en]] as const) {
          const found = probe === "" ? cat[space] : lookup(cat[space]!, probe);
          if (found === undefined || (!isTemplate && typeof found !== "string")) problems.push(`${path.relative(process.cwd(), file)}: ${lang} ${space}:${probe}`);
        }
        checked++;
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });
});
