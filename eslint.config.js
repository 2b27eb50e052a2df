import js from "@eslint/js";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

// Top-level server-only folders. The classic compiler strips `.server` modules only
// inside app/, so browser code must never import these directly (docs/decisions/001-remix-classic-compiler.md).
const serverOnly = ["db", "crypto", "expert-pool"];
const serverOnlyPatterns = serverOnly.flatMap((d) => [
  `#${d}/*`,
  `**/${d}/*`,
  `../${d}/*`,
  `../../${d}/*`,
  `../../../${d}/*`,
]);

// Isomorphic crypto modules: the same code seals in the browser and opens in Node (docs/product.md §3.2).
const browserCrypto = ["seal/*", "certs", "keys", "challenge", "receipt", "canonical-json", "opening-key"].flatMap((m) => [
  `!#crypto/${m}`,
  `!**/crypto/${m}`,
]);

// ---------------------------------------------------------------------------------------------------------------
// tenderhall/no-server-value-in-browser: the classic compiler empties every `*.server` module in the browser bundle,
// so a value imported from one is `undefined` on the client. In a route, such a value may be used only by the
// server-only exports (`loader`, `action`, `headers`, which the compiler removes from the browser build) or by
// top-level helpers that only those exports use. Anywhere else — the component, `meta`, `links`, `handle`, a
// component file — it renders one thing on the server and another after hydration (React #418). Type-only imports
// and `typeof x` in type positions are erased and allowed. Constants the client needs live in app/domain/ or come
// from the loader.
// ---------------------------------------------------------------------------------------------------------------
const SERVER_ONLY_EXPORTS = new Set(["loader", "action", "headers"]);
const SERVER_MODULE = /\.server(\.[cm]?[jt]sx?)?$|\.server\//;

function declaredNames(decl) {
  if (!decl) return [];
  if (decl.type === "FunctionDeclaration" || decl.type === "ClassDeclaration") return decl.id ? [decl.id.name] : [];
  if (decl.type === "VariableDeclaration") return decl.declarations.flatMap((d) => (d.id.type === "Identifier" ? [d.id.name] : []));
  return [];
}

function inTypePosition(node) {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === "TSTypeQuery" || n.type === "TSTypeReference" || n.type === "TSTypeAnnotation") return true;
    if (n.type.endsWith("Statement") || n.type.endsWith("Declaration") || n.type === "Program") return false;
  }
  return false;
}

/** @type {import("eslint").Rule.RuleModule} */
const noServerValueInBrowser = {
  meta: {
    type: "problem",
    docs: { description: "Values from *.server modules may be used only by loader/action/headers (they are undefined in the browser)." },
    schema: [],
    messages: {
      browserUse:
        "'{{name}}' comes from a .server module, which is empty in the browser bundle, but it is used outside loader/action/headers (in {{where}}). Return it from the loader, or move the constant to app/domain/.",
    },
  },
  create(context) {
    const source = context.sourceCode;
    return {
      "Program:exit"(program) {
        const topLevelOf = (node) => {
          let n = node;
          while (n.parent && n.parent !== program) n = n.parent;
          return n;
        };
        const memo = new Map();
        const describe = (stmt) => {
          if (stmt.type === "ExportDefaultDeclaration") return "the default export";
          const names = declaredNames(stmt.type === "ExportNamedDeclaration" ? stmt.declaration : stmt);
          return names.length ? `'${names.join("', '")}'` : `line ${stmt.loc.start.line}`;
        };
        // A top-level statement is server-only when it is a loader/action/headers export, or a local declaration
        // whose every value reference sits in server-only statements.
        const serverOnly = (stmt) => {
          if (memo.has(stmt)) return memo.get(stmt);
          memo.set(stmt, true); // optimistic on cycles (mutually recursive helpers of the loader)
          let result = false;
          if (stmt.type === "ExportNamedDeclaration") {
            const names = declaredNames(stmt.declaration);
            result = names.length > 0 && names.every((n) => SERVER_ONLY_EXPORTS.has(n));
          } else if (stmt.type === "FunctionDeclaration" || stmt.type === "VariableDeclaration" || stmt.type === "ClassDeclaration") {
            const vars = stmt.type === "VariableDeclaration" ? stmt.declarations.flatMap((d) => source.getDeclaredVariables(d)) : source.getDeclaredVariables(stmt);
            result = vars.length > 0;
            for (const v of vars) {
              for (const ref of v.references) {
                if (ref.init || !ref.isValueReference || inTypePosition(ref.identifier)) continue;
                const top = topLevelOf(ref.identifier);
                if (top !== stmt && !serverOnly(top)) result = false;
              }
            }
          }
          memo.set(stmt, result);
          return result;
        };
        for (const imp of program.body) {
          if (imp.type !== "ImportDeclaration" || imp.importKind === "type" || !SERVER_MODULE.test(String(imp.source.value))) continue;
          for (const spec of imp.specifiers) {
            if (spec.importKind === "type") continue;
            for (const v of source.getDeclaredVariables(spec)) {
              for (const ref of v.references) {
                if (!ref.isValueReference || inTypePosition(ref.identifier)) continue;
                const top = topLevelOf(ref.identifier);
                if (!serverOnly(top)) context.report({ node: ref.identifier, messageId: "browserUse", data: { name: v.name, where: describe(top) } });
              }
            }
          }
        }
      },
    };
  },
};

/** Local rules, exported so test/unit/server-imports.test.ts can exercise them. */
/** @type {import("eslint").ESLint.Plugin & { rules: Record<string, import("eslint").Rule.RuleModule> }} */
export const tenderhall = { rules: { "no-server-value-in-browser": noServerValueInBrowser } };

export default tseslint.config(
  {
    ignores: ["build/**", "public/build/**", "node_modules/**", "data/**", ".cache/**", "db/migrations/**", "test-results/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // Browser-reachable code: everything in app/ except *.server.ts(x) and tests.
    files: ["app/**/*.{ts,tsx}"],
    ignores: ["app/**/*.server.{ts,tsx}", "app/**/*.test.{ts,tsx}"],
    plugins: { tenderhall },
    rules: {
      "tenderhall/no-server-value-in-browser": "error",
      // The browser's locale and time zone are not the server's: text formatted with them differs between the
      // server's HTML and hydration (React #418). Dates in China time (formatCst), money with formatMoney.
      "no-restricted-properties": [
        "error",
        ...["toLocaleString", "toLocaleDateString", "toLocaleTimeString"].map((property) => ({ property, message: "Locale-dependent: use formatCst / formatMoney / formatInteger (app/domain) so server and browser render the same text." })),
        ...["getHours", "getMinutes", "getSeconds", "getDate", "getDay", "getMonth", "getFullYear", "getTimezoneOffset"].map((property) => ({ property, message: "The browser's time zone is not China time: use the UTC getters with the +8 h offset, or formatCst." })),
        { object: "Intl", message: "Locale-dependent: use formatCst / formatMoney / formatInteger (app/domain)." },
      ],
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [...serverOnlyPatterns, ...browserCrypto],
              message:
                "db/, crypto/ and expert-pool/ are server-only (except the isomorphic crypto modules listed in eslint.config.js): import them from app/**/*.server.ts.",
            },
          ],
        },
      ],
    },
  },
  {
    // crypto/ and expert-pool/ are pure: no database, no Remix, no hidden clock or randomness.
    files: ["crypto/**/*.ts", "expert-pool/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["#db/*", "**/db/*", "#app/*", "**/app/*", "@remix-run/*"], message: "crypto/ and expert-pool/ are pure." }] },
      ],
      "no-restricted-properties": [
        "error",
        { object: "Math", property: "random", message: "Pass randomness in." },
        { object: "Date", property: "now", message: "Pass the time in." },
      ],
    },
  },
);
