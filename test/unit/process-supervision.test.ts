import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { supervise } from "../../scripts/supervise.mjs";

/**
 * ADR 013: an unhandled rejection is logged with the request id and the process continues; an
 * uncaught exception is logged and the process exits; `npm start` (scripts/supervise.mjs)
 * restarts a crashed server with back-off, gives up on a crash loop, and never restarts after a
 * requested stop.
 */
const root = path.resolve(import.meta.dirname, "../..");
const flaky = path.join(root, "test/fixtures/server/flaky-child.mjs");
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), "th-supervise-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const fast = { initialDelayMs: 20, maxDelayMs: 100, windowMs: 60_000, stableMs: 60_000 };

describe("process errors and restart", () => {
  it("logs an unhandled rejection with its request id and keeps running; an uncaught exception exits with the id logged", () => {
    const child = path.join(root, "test/fixtures/server/process-errors-child.ts");
    const run = (env: Record<string, string>) => spawnSync(process.execPath, ["--import", "tsx", child], { cwd: root, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });
    const soft = run({ THROW: "0" });
    expect(soft.stderr).toMatch(/\[req req-rejection-1\] BUG: unhandled promise rejection \(process continues\): Error: a rejected promise nobody awaited/);
    expect(soft.stderr).toContain("still running after the rejection");
    expect(soft.status).toBe(0);
    const hard = run({ THROW: "1" });
    expect(hard.stderr).toMatch(/\[req req-exception-2\] FATAL: uncaught exception \(process exits\): Error: thrown from a timer/);
    expect(hard.stderr).toContain("onFatal called");
    expect(hard.status).toBe(1);
  }, 120_000);

  it("restarts a server that crashed, with back-off, until it runs; a stop is final", async () => {
    const dir = tmp();
    const lines: string[] = [];
    const s = supervise({ command: process.execPath, args: [flaky], env: { ...process.env, COUNT_FILE: path.join(dir, "n"), CRASHES: "2" }, ...fast, log: (l) => lines.push(l) });
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
    };
    await until(() => readFileSync(path.join(dir, "n"), { encoding: "utf8", flag: "a+" }).length >= 3 && s.child() !== null);
    await new Promise((r) => setTimeout(r, 200));
    expect(lines.filter((l) => /restarting in/.test(l))).toHaveLength(2);
    expect(lines[0]).toMatch(/code 1; restarting in 20 ms/);
    expect(lines[1]).toMatch(/restarting in 40 ms/); // doubled
    expect(s.child()).not.toBeNull();
    s.stop("SIGTERM");
    expect(await s.done).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(path.join(dir, "n"), "utf8")).toHaveLength(3); // not started again after the stop
  });

  it("gives up on a crash loop, and does not restart a server that exited cleanly", async () => {
    const dir = tmp();
    const lines: string[] = [];
    const loop = supervise({ command: process.execPath, args: [flaky], env: { ...process.env, COUNT_FILE: path.join(dir, "loop"), MODE: "always-crash" }, ...fast, maxCrashes: 4, log: (l) => lines.push(l) });
    expect(await loop.done).toBe(1);
    expect(readFileSync(path.join(dir, "loop"), "utf8")).toHaveLength(4);
    expect(lines.at(-1)).toMatch(/4 crashes within 60 s — giving up/);
    const clean = supervise({ command: process.execPath, args: [flaky], env: { ...process.env, COUNT_FILE: path.join(dir, "clean"), MODE: "clean-exit" }, ...fast });
    expect(await clean.done).toBe(0);
    expect(readFileSync(path.join(dir, "clean"), "utf8")).toHaveLength(1);
  });
});
