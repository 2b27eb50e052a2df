// A small process supervisor for `npm start` (docs/decisions/013-process-errors-and-restart.md):
// runs the server as a child, restarts it when it exits unexpectedly (a non-zero exit or a signal
// it did not get from us) with exponential back-off, and gives up after too many crashes in a
// short window. SIGINT/SIGTERM are passed on and end supervision: a requested stop is never
// followed by a restart. In production systemd does the same (docs/deploy/tenderhall.service).
import { spawn } from "node:child_process";

/**
 * @typedef {object} SuperviseOptions
 * @property {string} command
 * @property {string[]} args
 * @property {NodeJS.ProcessEnv} [env]
 * @property {number} [initialDelayMs] first back-off (doubles per crash)
 * @property {number} [maxDelayMs] longest back-off
 * @property {number} [maxCrashes] crashes within `windowMs` after which supervision gives up
 * @property {number} [windowMs]
 * @property {number} [stableMs] a child that ran this long resets the back-off
 * @property {(line: string) => void} [log]
 */

export const SUPERVISE_DEFAULTS = { initialDelayMs: 1000, maxDelayMs: 30_000, maxCrashes: 5, windowMs: 60_000, stableMs: 30_000 };

/**
 * Runs `command args` until it exits cleanly or is stopped; resolves with the exit code the
 * supervisor should end with.
 * @param {SuperviseOptions} opts
 * @returns {{ done: Promise<number>, stop(signal?: NodeJS.Signals): void, child(): import("node:child_process").ChildProcess | null }}
 */
export function supervise(opts) {
  const o = { ...SUPERVISE_DEFAULTS, ...opts };
  const log = o.log ?? ((line) => console.error(`[supervisor] ${line}`));
  /** @type {import("node:child_process").ChildProcess | null} */
  let child = null;
  let stopping = false;
  /** @type {NodeJS.Timeout | null} */
  let timer = null;
  /** @type {number[]} */
  let crashes = [];
  let delay = o.initialDelayMs;
  /** @type {(code: number) => void} */
  let finish = () => {};
  const done = new Promise((resolve) => (finish = resolve));

  const start = () => {
    timer = null;
    const startedAt = Date.now();
    const c = spawn(o.command, o.args, { stdio: "inherit", env: o.env ?? process.env });
    child = c;
    c.on("error", (e) => log(`could not start the server: ${e.message}`));
    c.on("exit", (code, signal) => {
      child = null;
      if (stopping) return finish(code ?? (signal ? 128 + signalNumber(signal) : 0));
      if (code === 0) return finish(0); // the server stopped itself cleanly: nothing to restart
      const now = Date.now();
      if (now - startedAt >= o.stableMs) delay = o.initialDelayMs;
      crashes = [...crashes.filter((t) => now - t < o.windowMs), now];
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (crashes.length >= o.maxCrashes) {
        log(`server exited with ${how}; ${crashes.length} crashes within ${Math.round(o.windowMs / 1000)} s — giving up`);
        return finish(typeof code === "number" && code !== 0 ? code : 1);
      }
      log(`server exited with ${how}; restarting in ${delay} ms`);
      timer = setTimeout(start, delay);
      delay = Math.min(delay * 2, o.maxDelayMs);
    });
  };
  start();

  return {
    done,
    child: () => child,
    stop(signal = "SIGTERM") {
      stopping = true;
      if (timer) {
        clearTimeout(timer);
        timer = null;
        finish(0);
        return;
      }
      if (child) child.kill(signal);
      else finish(0);
    },
  };
}

/** @param {NodeJS.Signals} signal */
function signalNumber(signal) {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal] ?? 0;
}
