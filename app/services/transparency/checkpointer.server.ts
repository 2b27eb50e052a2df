import type { AppContext } from "../platform/context.server";
import { issueCheckpoint } from "./log.server";

/**
 * Issues the record's checkpoints as they fall due (every CHECKPOINT_EVERY_ENTRIES entries or CHECKPOINT_EVERY_MINUTES
 * minutes): checks every `intervalMs`; one issuer at a time across processes (an advisory lock inside the issue).
 */
export function startCheckpointer(app: AppContext, intervalMs = 10_000) {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    running = issueCheckpoint(app, app.config.checkpoints)
      .then(
        () => undefined,
        (e: unknown) => console.error("record checkpoint:", e),
      )
      .then(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, Math.min(intervalMs, 1000));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
