import js from "@eslint/js";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

// Top-level server-only folders. The classic compiler strips `.server` modules only
// inside app/, so browser code must never import these directly (STACK.md).
const serverOnly = ["db", "crypto", "expert-pool"];
const serverOnlyPatterns = serverOnly.flatMap((d) => [
  `#${d}/*`,
  `**/${d}/*`,
  `../${d}/*`,
  `../../${d}/*`,
  `../../../${d}/*`,
]);

// Isomorphic crypto modules: the same code seals in the browser and opens in Node (PRODUCT.md §3.2).
const browserCrypto = ["seal/*", "certs", "keys", "challenge", "receipt", "canonical-json", "opening-key"].flatMap((m) => [
  `!#crypto/${m}`,
  `!**/crypto/${m}`,
]);

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
    rules: {
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
