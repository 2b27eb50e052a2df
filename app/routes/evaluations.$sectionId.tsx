import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { EntryPanel } from "#app/components/evaluation/entry-panel";
import { LeaderPanel } from "#app/components/evaluation/leader-panel";
import { BidFilesPanel } from "#app/components/evaluation/bid-files-panel";
import { ClarificationsPanel } from "#app/components/evaluation/clarifications-panel";
import { ReviewPanel } from "#app/components/evaluation/review-panel";
import { PausePanel } from "#app/components/evaluation/pause-panel";
import { ScoringPanel } from "#app/components/evaluation/scoring-panel";
import { SummaryPanel } from "#app/components/evaluation/summary-panel";
import { ReportPanel } from "#app/components/evaluation/report-panel";
import { ErrorAlert } from "#app/components/forms";
import { DomainError, httpStatusOf, toErrorPayload, type ErrorPayload } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { roomView } from "#app/services/evaluation/room-view.server";
import { wasMember } from "#app/services/evaluation/access.server";
import { declareConflict, declareNoConflict, enterRoom, heartbeat, leaveRoom } from "#app/services/evaluation/entry.server";
import { appointLeader, voteForLeader } from "#app/services/evaluation/election.server";
import { pauseEvaluation, resumeEvaluation } from "#app/services/evaluation/pause.server";
import { reopenSheet, saveScore, submitSheet } from "#app/services/evaluation/scoring.server";
import { changeScore, finaliseSummary, justifyFlag, recordReasoning } from "#app/services/evaluation/summary.server";
import { completeSignature, prepareSignature, recordPosition, requestReport } from "#app/services/evaluation/report.server";
import { decideRollback, requestRollback } from "#app/services/evaluation/rollback.server";
import { closeReview, decideTooFew, markReviewDone, passRemaining, reopenReview, saveReviewMark } from "#app/services/evaluation/review.server";
import { requestClarification, writtenFromForm } from "#app/services/evaluation/clarifications.server";
import { channels } from "#app/services/platform/live-channels.server";
import { useLiveRevalidate } from "#app/utils/live";
import { errorResponse, readForm, requireActor, requireUuidParam } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "评标室 · Tenderhall" }];

/**
 * One review room (评标室, docs/decisions/015-evaluation.md): its committee members and supervisors only (R42);
 * anyone else gets 404. Each stage shows its own panel; every change is one command of app/services/evaluation.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context);
  const sectionId = requireUuidParam(params, "sectionId");
  try {
    return json({ view: await roomView(context.app.db, actor, sectionId), channel: channels.evaluation(sectionId) });
  } catch (e) {
    // A member whose seat became void (a declared conflict, R37) goes back to its list of evaluations.
    if (e instanceof DomainError && e.code === "NOT_FOUND" && (await wasMember(context.app.db, actor, sectionId))) throw redirect("/evaluations");
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

/** Every intent is one command of app/services/evaluation (thin route). */
export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context);
  const sectionId = requireUuidParam(params, "sectionId");
  const app = context.app;
  try {
    const form = await readForm(request, context);
    const intent = String(form.get("intent") ?? "");
    const f = (k: string) => String(form.get(k) ?? "");
    switch (intent) {
      // Entering and the declaration (R41): app/services/evaluation/entry.server.ts
      case "enter":
        await enterRoom(app, actor, sectionId, { nonce: f("nonce"), certificateId: f("certificateId"), signature: f("signature") });
        return json({ done: intent });
      case "leave":
        await leaveRoom(app, actor, sectionId);
        return json({ done: intent });
      case "heartbeat":
      case "away":
        return json({ done: intent, ...(await heartbeat(app, actor, sectionId, intent === "away")) });
      case "declare":
        await declareNoConflict(app, actor, sectionId, { at: f("at"), certificateId: f("certificateId"), signature: f("signature") });
        return json({ done: intent });
      case "recuse":
        await declareConflict(app, actor, sectionId, { reason: f("reason"), confirm: f("confirm") });
        return redirect("/evaluations");
      // The leader's election (EV3, EV16): app/services/evaluation/election.server.ts
      case "vote":
        await voteForLeader(app, actor, sectionId, f("candidateId"));
        return json({ done: intent });
      // EV3: the tendering unit's appointment (its page: manage.$id.sections.$sectionId.leader.tsx); R42 NOT_FOUND for anyone else.
      case "appoint":
        await appointLeader(app, actor, sectionId, f("memberId"));
        return json({ done: intent });
      // The compliance review and R45 (EV12–EV14, EV17): app/services/evaluation/review.server.ts
      case "review-mark":
        return json({ done: intent, ...(await saveReviewMark(app, actor, sectionId, { bidId: f("bidId"), itemId: f("item"), passed: f("passed") === "pass", ground: f("ground") || null, reason: f("reason") })) });
      case "review-pass-rest":
        return json({ done: intent, ...(await passRemaining(app, actor, sectionId, f("bidId"))) });
      case "review-done":
        await markReviewDone(app, actor, sectionId);
        return json({ done: intent });
      case "review-reopen":
        await reopenReview(app, actor, sectionId);
        return json({ done: intent });
      case "review-close":
        return json({ done: intent, ...(await closeReview(app, actor, sectionId)) });
      case "too-few":
        await decideTooFew(app, actor, sectionId, { decision: f("decision"), reasoning: f("reasoning") });
        return json({ done: intent });
      // Clarifications (R43, EV13, EV14): app/services/evaluation/clarifications.server.ts
      case "clarify":
        return json({
          done: intent,
          ...(await requestClarification(app, actor, sectionId, { bidId: f("bidId"), kind: f("kind"), question: f("question"), dueMinutes: Number(f("dueMinutes")), written: writtenFromForm(f("written")) })),
        });
      // The report, its signatures and rollbacks (R49, R50, EV20, EV21): app/services/evaluation/{report,rollback}.server.ts
      case "report-generate":
        return json({ done: intent, ...(await requestReport(app, actor, sectionId)) });
      case "report-position":
        await recordPosition(app, actor, sectionId, { position: f("position"), dissent: f("dissent") });
        return json({ done: intent });
      case "report-prepare":
        return json({ done: intent, prepared: await prepareSignature(app, actor, sectionId, { fingerprint: f("fingerprint") }) });
      case "report-sign":
        return json({ done: intent, ...(await completeSignature(app, actor, sectionId, { nonce: f("nonce"), revision: f("revision"), fingerprint: f("fingerprint"), signature: f("signature") })) });
      case "rollback-request":
        return json({ done: intent, ...(await requestRollback(app, actor, sectionId, { toStage: f("toStage"), reason: f("reason") })) });
      case "rollback-decide":
        await decideRollback(app, actor, sectionId, { rollbackId: f("rollbackId"), approve: f("decision") === "approve", note: f("note") });
        return json({ done: intent });
      // Scoring, the summary and pauses: app/services/evaluation/{scoring,summary,pause}.server.ts
      case "save":
        if (!/^\d{1,10}$/.test(f("rev"))) throw new DomainError("VALIDATION", { field: "rev" });
        return json({ done: intent, saved: await saveScore(app, actor, sectionId, { bidId: f("bidId"), item: f("item"), score: f("score"), rev: Number(f("rev")) }) });
      case "submit-sheet":
        return json({ done: intent, ...(await submitSheet(app, actor, sectionId)) });
      case "reopen-sheet":
        await reopenSheet(app, actor, sectionId);
        return json({ done: intent });
      case "change-score":
        return json({ done: intent, ...(await changeScore(app, actor, sectionId, { bidId: f("bidId"), item: f("item"), score: f("score"), reason: f("reason"), note: f("note") })) });
      case "justify-flag":
        await justifyFlag(app, actor, sectionId, { bidId: f("bidId"), item: f("item"), text: f("text") });
        return json({ done: intent });
      case "reasoning":
        await recordReasoning(app, actor, sectionId, f("text"));
        return json({ done: intent });
      case "finalise":
        return json({ done: intent, outcome: await finaliseSummary(app, actor, sectionId, f("digest")) });
      case "pause":
        await pauseEvaluation(app, actor, sectionId, f("reason"));
        return json({ done: intent });
      case "resume":
        await resumeEvaluation(app, actor, sectionId);
        return json({ done: intent });
      default:
        throw new DomainError("VALIDATION", { field: "intent" });
    }
  } catch (e) {
    return errorResponse(e);
  }
}

export default function ReviewRoom() {
  const { view, channel } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { error?: ErrorPayload } | undefined;
  const { t } = useTranslation("evaluation");
  useLiveRevalidate([channel]);
  return (
    <>
      <p className="muted small">
        <Link to="/evaluations">{t("list.title")}</Link>
        {view.project && ` / ${view.project.code}`}
      </p>
      <h1>
        {t("room.title")}
        {view.room && ` · ${view.room.code} ${view.room.name}`}
      </h1>
      {view.project && view.section && (
        <p data-testid="room-project">
          {view.project.title} · {view.section.code} {view.section.title} · {t("room.method")}：{t(`methods.${view.method}`)}
        </p>
      )}
      <p>
        {t("room.startsAt")}：{formatCst(new Date(view.startsAt))} · <span className="tag" data-testid="room-stage">{t(`stages.${view.stage}`)}</span>
      </p>
      {view.stage === "waiting" && <div className="alert">{t("room.notYet", { at: formatCst(new Date(view.startsAt)) })}</div>}
      {view.paused && <div className="alert alert-warn">{t("room.paused", { reason: view.paused.reason })}</div>}
      {view.viewer === "supervisor" && <div className="alert">{t("room.readOnly")}</div>}
      <ErrorAlert error={data?.error} />
      <EntryPanel view={view} />
      <LeaderPanel view={view} />
      <ReviewPanel view={view} />
      <ClarificationsPanel view={view} />
      <BidFilesPanel view={view} />
      <ScoringPanel view={view} />
      <SummaryPanel view={view} />
      <PausePanel view={view} />
      <ReportPanel view={view} />
      <section className="card">
        <h2>{t("room.committee")}</h2>
        <table data-testid="committee">
          <thead>
            <tr>
              <th>{t("room.seat")}</th>
              <th>{t("room.member")}</th>
              <th>{t("room.present")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {view.members.map((m) => (
              <tr key={m.id} data-seat={m.seat}>
                <td>M{m.seat}</td>
                <td>
                  {m.name} <span className="muted small">{t(m.kind === "representative" ? "room.representative" : "room.expert")}</span>
                  {m.leader && <span className="tag tag-published"> {t("room.leader")}</span>}
                </td>
                <td data-testid={`presence-M${m.seat}`} className={m.present ? "present" : "missing"}>
                  {m.present ? t("room.present") : t("room.absent")}
                  {m.presentSince && <span className="muted small"> {t("room.since", { at: formatCst(new Date(m.presentSince)) })}</span>}
                </td>
                <td>
                  <span className="tag">{t(`memberStatuses.${m.status}`)}</span>
                  {m.done.map((d) => (
                    <span key={d} className="tag small">
                      {t(`stages.${d}`)} {t("room.done")}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
