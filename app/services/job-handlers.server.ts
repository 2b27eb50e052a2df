import { serverT } from "#app/i18n";
import type { NotificationChannel } from "./pool/channels.server";
import { confirmationTimedOut, issueDrawRecord, rescreenDraws } from "./pool/draws.server";
import type { JobHandler } from "./platform/jobs.server";
import { openHall, publishFailureNotice, windowEnded } from "./opening/opening.server";
import { prepareEvaluation, startEvaluation } from "./evaluation/lifecycle.server";
import { presenceTimedOut } from "./evaluation/entry.server";
import { advanceReport, REPORT_JOB } from "./evaluation/report.server";
import { publishEvaluationFailureNotice } from "./evaluation/review.server";
import { expireClarification } from "./evaluation/clarifications.server";
import { syncCommittee } from "./evaluation/committee.server";
import { RESULTS_TIMER_JOB, resultsTimer, type ResultsTimer } from "./results/results.server";
import { COMPLAINT_TIMER_JOB, complaintTimer, type ComplaintTimer } from "./supervision/complaints.server";

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
      // R37, R39/R40: the bids are known at the deadline — a draw made before it is screened against the bidders.
      await rescreenDraws(app, String(payload.sectionId));
    },
    "opening.window_end": async (app, payload) => {
      await windowEnded(app, String(payload.sectionId));
    },
    "opening.failure_notice": async (app, payload) => {
      await publishFailureNotice(app, String(payload.sectionId));
    },
    "evaluation.prepare": async (app, payload) => {
      // The committee is formed from re-screened draws (idempotent: nothing changes when the opening's run did it).
      await rescreenDraws(app, String(payload.sectionId));
      await prepareEvaluation(app, String(payload.sectionId));
    },
    "evaluation.start": async (app, payload) => {
      await startEvaluation(app, String(payload.sectionId));
    },
    "evaluation.committee_sync": async (app, payload) => {
      await syncCommittee(app, String(payload.sectionId));
    },
    "evaluation.presence_timeout": async (app, payload) => {
      await presenceTimedOut(app, String(payload.presenceId));
    },
    // R45 and R43 (app/services/evaluation/{review,clarifications}.server.ts)
    "evaluation.failure_notice": async (app, payload) => {
      await publishEvaluationFailureNotice(app, String(payload.sectionId));
    },
    "evaluation.clarification_expire": async (app, payload) => {
      await expireClarification(app, String(payload.clarificationId));
    },
    // The evaluation report (R49, R50): generate, render the version to sign, close the signing when due.
    [REPORT_JOB]: async (app, payload) => {
      await advanceReport(app, String(payload.sectionId));
    },
    // Results (R51–R57): publicity start and end, the ZFCG deemed choice, overdue answers, notices and contracts.
    [RESULTS_TIMER_JOB]: async (app, payload) => {
      await resultsTimer(app, String(payload.sectionId), String(payload.timer) as ResultsTimer);
    },
    // Complaints (R53): the acceptance and decision limits; an overdue one is written to the record.
    [COMPLAINT_TIMER_JOB]: async (app, payload) => {
      await complaintTimer(app, String(payload.complaintId), String(payload.timer) as ComplaintTimer);
    },
    "notify.external": async (_app, payload) => {
      const params = (payload.params ?? {}) as Record<string, string | number>;
      const kind = String(payload.kind);
      const msg = { phone: String(payload.phone), kind, params, text: t(`common:inbox.kinds.${kind}`, params) };
      for (const c of channels) await c.send(msg);
    },
  };
}
