import { serverT } from "#app/i18n";
import type { NotificationChannel } from "./pool/channels.server";
import { confirmationTimedOut, issueDrawRecord } from "./pool/draws.server";
import type { JobHandler } from "./platform/jobs.server";
import { openHall, publishFailureNotice, windowEnded } from "./opening/opening.server";
import { prepareEvaluation, startEvaluation } from "./evaluation/lifecycle.server";

/** Every job kind and its idempotent handler. */
export function jobHandlers(channels: NotificationChannel[]): Record<string, JobHandler> {
  const t = serverT("zh-CN");
  return {
    "draw.confirmation_timeout": async (app, payload) => {
      await confirmationTimedOut(app, String(payload.pickId));
    },
    "draw.record_pdf": async (app, payload) => {
      await issueDrawRecord(app, String(payload.drawId));
    },
    "opening.open": async (app, payload) => {
      await openHall(app, String(payload.sectionId));
    },
    "opening.window_end": async (app, payload) => {
      await windowEnded(app, String(payload.sectionId));
    },
    "opening.failure_notice": async (app, payload) => {
      await publishFailureNotice(app, String(payload.sectionId));
    },
    "evaluation.prepare": async (app, payload) => {
      await prepareEvaluation(app, String(payload.sectionId));
    },
    "evaluation.start": async (app, payload) => {
      await startEvaluation(app, String(payload.sectionId));
    },
    "notify.external": async (_app, payload) => {
      const params = (payload.params ?? {}) as Record<string, string | number>;
      const kind = String(payload.kind);
      const msg = { phone: String(payload.phone), kind, params, text: t(`common:inbox.kinds.${kind}`, params) };
      for (const c of channels) await c.send(msg);
    },
  };
}
