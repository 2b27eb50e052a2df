import { defineConfig } from "drizzle-kit";

// Migrations are generated from db/schema and committed; both drivers (PGlite and
// PostgreSQL) run the same folder at start (see docs/decisions/002-database.md).
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
  casing: "snake_case",
  strict: true,
  verbose: true,
});
