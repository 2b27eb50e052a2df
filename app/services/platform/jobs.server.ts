import { and, eq, sql } from "drizzle-orm";
import type { Executor, Tx } from "#db/client";
import { jobs, type Job } from "#db/schema/index";
import type { AppContext } from "./context.server";

export type JobHandler = (app: AppContext, payload: Record<string, unknown>, job: Job) => Promise<void>;

/** Schedules a job inside the caller's transaction (so it exists exactly when the change commits). */
export async function scheduleJob(tx: Tx | Executor, job: { kind: string; dueAt: Date; payload?: Record<string, unknown>; dedupeKey?: string }): Promise<void> {
  await tx
    .insert(jobs)
    .values({ kind: job.kind, dueAt: job.dueAt, payload: job.payload ?? {}, dedupeKey: job.dedupeKey ?? null })
    .onConflictDoNothing();
}

const LOCK_MINUTES = 5;
const MAX_ATTEMPTS = 5;

/**
 * Claims due jobs (and running ones whose lock expired after a crash) with FOR UPDATE SKIP
 * LOCKED, runs their handlers, and marks them done — or retries with backoff, failing after
 * MAX_ATTEMPTS. Returns how many ran. The database clock decides what is due.
 */
export async function runDueJobs(app: AppContext, handlers: Record<string, JobHandler>, limit = 20): Promise<number> {
  const claimed = await app.db.execute<Job>(sql`
    update ${jobs} set state = 'running', attempts = attempts + 1, locked_until = now() + make_interval(mins => ${LOCK_MINUTES})
    where id in (
      select id from ${jobs}
      where (state = 'pending' and due_at <= now()) or (state = 'running' and locked_until < now())
      order by due_at
      limit ${limit}
      for update skip locked
    )
    returning id, kind, payload, attempts`);
  const rows = ((claimed as unknown as { rows?: { id: number; kind: string; payload: Record<string, unknown>; attempts: number }[] }).rows ??
    (claimed as unknown as { id: number; kind: string; payload: Record<string, unknown>; attempts: number }[])) as {
    id: number;
    kind: string;
    payload: Record<string, unknown>;
    attempts: number;
  }[];
  for (const r of rows) {
    const id = Number(r.id);
    const handler = handlers[r.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${r.kind}`);
      await handler(app, r.payload, { ...(r as unknown as Job), id });
      await app.db.update(jobs).set({ state: "done", doneAt: sql`now()`, lockedUntil: null, lastError: null }).where(eq(jobs.id, id));
    } catch (e) {
      const failed = r.attempts >= MAX_ATTEMPTS;
      await app.db
        .update(jobs)
        .set({
          state: failed ? "failed" : "pending",
          lockedUntil: null,
          lastError: String((e as Error).message ?? e).slice(0, 2000),
          dueAt: failed ? undefined : sql`now() + make_interval(secs => ${30 * 2 ** r.attempts})`,
        })
        .where(and(eq(jobs.id, id), eq(jobs.state, "running")));
    }
  }
  return rows.length;
}

/** Polls for due jobs every `intervalMs` until stopped (one loop per app instance). */
export function startJobWorker(app: AppContext, handlers: Record<string, JobHandler>, intervalMs = 1000) {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    running = runDueJobs(app, handlers)
      .then((n) => void n)
      .catch((e: unknown) => console.error("job worker:", e))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
