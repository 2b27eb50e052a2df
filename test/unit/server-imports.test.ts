// tenderhall/no-server-value-in-browser (eslint.config.js): a value imported from a `.server` module is `undefined`
// in the browser bundle, so a route may use it only in loader/action/headers. The /pool pager vanished after
// hydration because the component computed its page count from `POOL_PAGE`, imported from pool-queries.server.
import { ESLint, RuleTester } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { tenderhall } from "../../eslint.config.js";

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const rule = tenderhall.rules["no-server-value-in-browser"]!;
const tester = new RuleTester({
  languageOptions: { parser: tseslint.parser, parserOptions: { ecmaFeatures: { jsx: true } }, ecmaVersion: 2022, sourceType: "module" },
});

tester.run("no-server-value-in-browser", rule, {
  valid: [
    // loader and action may use anything
    `import { listExperts } from "#app/services/pool/pool-queries.server";
     export async function loader() { return listExperts(); }
     export default function Page() { return null; }`,
    `import { save } from "./x.server";
     export const action = async () => save();`,
    // a top-level helper used only by the loader is removed with it
    `import { dbNow } from "#app/services/platform/command.server";
     async function now() { return dbNow(); }
     const later = async () => (await now()) + 1;
     export async function loader() { return later(); }`,
    // type-only imports and typeof in type positions are erased
    `import type { HallView } from "./opening-view.server";
     import { hallView, type Row } from "./opening-view.server";
     export async function loader() { return hallView(); }
     export default function Page() { const v: HallView | Row | undefined = undefined; type R = Awaited<ReturnType<typeof hallView>>; const r = {} as R; return <p>{String(v ?? r)}</p>; }`,
    // not a .server module
    `import { POOL_PAGE_SIZE } from "#app/domain/paging";
     export default function Page() { return <p>{POOL_PAGE_SIZE}</p>; }`,
  ],
  invalid: [
    {
      code: `import { listExperts, POOL_PAGE } from "#app/services/pool/pool-queries.server";
             export async function loader() { return listExperts(POOL_PAGE); }
             export default function Pool({ total }) { return <p>{Math.ceil(total / POOL_PAGE)}</p>; }`,
      errors: [{ messageId: "browserUse", data: { name: "POOL_PAGE", where: "the default export" } }],
    },
    {
      // meta runs in the browser too
      code: `import { TITLE } from "./titles.server";
             export const meta = () => [{ title: TITLE }];`,
      errors: [{ messageId: "browserUse" }],
    },
    {
      // a helper shared by the loader and the component is in the browser bundle
      code: `import { LIMIT } from "./q.server";
             const pages = (n) => Math.ceil(n / LIMIT);
             export async function loader() { return pages(10); }
             export default function Page() { return <p>{pages(10)}</p>; }`,
      errors: [{ messageId: "browserUse", data: { name: "LIMIT", where: "'pages'" } }],
    },
    {
      // a component file has no server-only part at all
      code: `import { formatServerSide } from "#app/utils/format.server";
             export function Cell({ v }) { return <td>{formatServerSide(v)}</td>; }`,
      errors: [{ messageId: "browserUse" }],
    },
  ],
});

describe("browser-reachable code in app/", () => {
  it("uses no value from a .server module outside loader/action/headers", { timeout: 60_000 }, async () => {
    const eslint = new ESLint({
      cwd: process.cwd(),
      overrideConfigFile: true,
      overrideConfig: [
        {
          files: ["app/**/*.{ts,tsx}"],
          ignores: ["app/**/*.server.{ts,tsx}", "app/**/*.test.{ts,tsx}"],
          languageOptions: { parser: tseslint.parser, parserOptions: { ecmaFeatures: { jsx: true } } },
          plugins: { tenderhall },
          linterOptions: { reportUnusedDisableDirectives: "off" },
          rules: { "tenderhall/no-server-value-in-browser": "error" },
        },
      ],
    });
    const results = await eslint.lintFiles(["app/**/*.{ts,tsx}"]);
    const problems = results.flatMap((r) => r.messages.filter((m) => m.ruleId === "tenderhall/no-server-value-in-browser" || m.fatal).map((m) => `${r.filePath.replace(`${process.cwd()}/`, "")}:${m.line} ${m.message}`));
    expect(results.length).toBeGreaterThan(40);
    expect(problems).toEqual([]);
  });
});
