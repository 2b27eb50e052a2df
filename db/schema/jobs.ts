import { bigint, index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, instant } from "./columns";

export const jobState = pgEnum("job_state", ["pending", "running", "done", "failed"]);

/**
 * Time-driven steps (docs/product.md §2: timers survive restarts): a row per step, polled by a
 * worker with FOR UPDATE SKIP LOCKED so any number of instances can run them; handlers are
 * idempotent commands; a restart loses nothing (a running job whose lock expired is retried).
 */
export const jobs = pgTable(
  "jobs",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    dueAt: instant().notNull(),
    state: jobState().notNull().default("pending"),
    attempts: integer().notNull().default(0),
    lockedUntil: instant(),
    lastError: text(),
    /** At most one job per key (e.g. one confirmation timeout per invitation). */
    dedupeKey: text(),
    createdAt: createdAt(),
    doneAt: instant(),
  },
  (t) => [index("jobs_due_idx").on(t.state, t.dueAt), uniqueIndex("jobs_dedupe_uq").on(t.dedupeKey)],
);

export type Job = typeof jobs.$inferSelect;
