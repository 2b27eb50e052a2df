// Every action written to the record (runCommand's `action`) has a label in the record viewer, in both languages
// (admin:record.actions.<action>). The actions are read from the code: the action argument of every runCommand /
// runCommandOrSkip call in app/ and server/ (string literals, both branches of a conditional, and the static prefix
// of a template literal such as `expert.declare_${type}`).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { resources } from "#app/locales/index";

const root = path.resolve(import.meta.dirname, "../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return f === "node_modules" ? [] : sourceFiles(p);
    return /\.(ts|tsx)$/.test(f) && !/\.test\.tsx?$/.test(f) ? [p] : [];
  });
}

/** Action codes (exact) and template prefixes used as the action of a command. */
function actionsInCode(): { exact: Map<string, string>; prefixes: Map<string, string> } {
  const exact = new Map<string, string>();
  const prefixes = new Map<string, string>();
  for (const file of [...sourceFiles(path.join(root, "app")), ...sourceFiles(path.join(root, "server"))]) {
    const text = readFileSync(file, "utf8");
    if (!text.includes("runCommand") && !text.includes("runOptionalCommand")) continue;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const where = (n: ts.Node) => `${path.relative(root, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    const collect = (e: ts.Expression) => {
      if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) exact.set(e.text, where(e));
      else if (ts.isTemplateExpression(e)) prefixes.set(e.head.text, where(e));
      else if (ts.isConditionalExpression(e)) [e.whenTrue, e.whenFalse].forEach(collect);
      else if (ts.isParenthesizedExpression(e)) collect(e.expression);
    };
    const visit = (n: ts.Node) => {
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) {
        // runCommand(ctx, actor, action, body) · runCommandOrSkip(ctx, action, sectionId, body, actor?)
        // runOptionalCommand(ctx, actor, action, body)
        const index = n.expression.text === "runCommand" || n.expression.text === "runOptionalCommand" ? 2 : n.expression.text === "runCommandOrSkip" ? 1 : -1;
        const arg = index >= 0 ? n.arguments[index] : undefined;
        if (arg) collect(arg);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { exact, prefixes };
}

type Tree = { [k: string]: string | Tree };
const labels = (lang: "zh-CN" | "en") => ((resources[lang].admin as unknown as { record: { actions: Tree } }).record.actions);
const label = (tree: Tree, action: string) => {
  const [group, ...rest] = action.split(".");
  const g = tree[group!];
  return typeof g === "object" ? g[rest.join(".")] : undefined;
};

describe("record action labels", () => {
  const { exact, prefixes } = actionsInCode();

  it("finds the commands in the code", () => {
    expect(exact.size).toBeGreaterThan(50);
    for (const a of ["opening.read_out", "seed.fast_forward_deadline", "document.obtain", "user.activate", "user.deactivate", "draw.decline"]) expect([...exact.keys()]).toContain(a);
    expect([...prefixes.keys()]).toContain("expert.declare_");
  });

  it("every action used in the code has a label in zh-CN and en", () => {
    const missing: string[] = [];
    for (const lang of ["zh-CN", "en"] as const) {
      for (const [action, at] of exact) if (typeof label(labels(lang), action) !== "string") missing.push(`${lang} ${action} (${at})`);
      for (const [prefix, at] of prefixes) {
        const [group, head] = prefix.split(".") as [string, string];
        const g = labels(lang)[group];
        if (typeof g !== "object" || !Object.keys(g).some((k) => k.startsWith(head))) missing.push(`${lang} ${prefix}* (${at})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("every action group has a name (the record search's groups)", () => {
    for (const lang of ["zh-CN", "en"] as const) {
      const groups = (resources[lang].admin as unknown as { record: { groups: Record<string, string> } }).record.groups;
      expect(Object.keys(groups).sort(), lang).toEqual(Object.keys(labels(lang)).sort());
    }
  });

  it("labels are words, not codes", () => {
    for (const lang of ["zh-CN", "en"] as const)
      for (const action of exact.keys()) expect(label(labels(lang), action), `${lang} ${action}`).not.toMatch(/^[a-z_]+\.[a-z_]+$/);
  });
});
