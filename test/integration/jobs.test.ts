import { eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { jobs } from "#db/schema/index";
import { LoggingChannel } from "#app/services/pool/channels.server";
import { runDueJobs, scheduleJob, type JobHandler } from "#app/services/platform/jobs.server";
import { forEachDriver } from "../helpers/db";

forEachDriver("jobs", (env) => {
  it("runs due jobs once, leaves future ones, de-duplicates by key", async () => {
    const { app } = env();
    const ran: unknown[] = [];
    const handlers: Record<string, JobHandler> = { "test.echo": async (_a, p) => void ran.push(p.n) };
    await scheduleJob(app.db, { kind: "test.echo", dueAt: new Date(Date.now() - 1000), payload: { n: 1 }, dedupeKey: "echo-1" });
    await scheduleJob(app.db, { kind: "test.echo", dueAt: new Date(Date.now() - 1000), payload: { n: 99 }, dedupeKey: "echo-1" });
    await scheduleJob(app.db, { kind: "test.echo", dueAt: new Date(Date.now() + 3600_000), payload: { n: 2 } });
    expect(await runDueJobs(app, handlers)).toBe(1);
    expect(await runDueJobs(app, handlers)).toBe(0);
    expect(ran).toEqual([1]);
    const [done] = await app.db.select().from(jobs).where(eq(jobs.dedupeKey, "echo-1"));
    expect(done).toMatchObject({ state: "done", attempts: 1 });
  });

  it("a failing handler is retried later with the error kept; a crashed job's expired lock is reclaimed", async () => {
    const { app } = env();
    let calls = 0;
    const handlers: Record<string, JobHandler> = {
      "test.flaky": async () => {
        calls++;
        throw new Error("gateway down");
      },
      "test.ok": async () => {},
    };
    await scheduleJob(app.db, { kind: "test.flaky", dueAt: new Date(Date.now() - 1000), dedupeKey: "flaky" });
    await runDueJobs(app, handlers);
    const [j] = await app.db.select().from(jobs).where(eq(jobs.dedupeKey, "flaky"));
    expect(j).toMatchObject({ state: "pending", attempts: 1, lastError: "gateway down" });
    expect(j!.dueAt.getTime()).toBeGreaterThan(Date.now());
    expect(calls).toBe(1);
    // A job left "running" by a crashed instance is picked up again once its lock expires.
    await scheduleJob(app.db, { kind: "test.ok", dueAt: new Date(Date.now() - 1000), dedupeKey: "crashed" });
    await app.db.execute(sql`update jobs set state = 'running', locked_until = now() - interval '1 minute' where dedupe_key = 'crashed'`);
    expect(await runDueJobs(app, handlers)).toBe(1);
    const [c] = await app.db.select().from(jobs).where(eq(jobs.dedupeKey, "crashed"));
    expect(c!.state).toBe("done");
  });

  it("the logging channel records what it would send", async () => {
    const ch = new LoggingChannel();
    await ch.send({ phone: "13800138000", kind: "drawInvitation", params: {}, text: "评标邀请" });
    expect(ch.sent).toHaveLength(1);
  });
});
