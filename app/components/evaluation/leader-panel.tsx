import type { SerializeFrom } from "@remix-run/node";
import { Link, useFetcher } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import type { ErrorPayload } from "#app/domain/errors";
import type { appointmentView } from "#app/services/evaluation/election.server";
import { useRoomFetcher, type RoomView } from "./entry-panel";

/**
 * Electing the leader (推举组长; EV3, EV16, TV-V1): the round, who may be chosen (after a tie only the tied), who
 * has voted in the open round — never for whom —, the tallies of closed rounds, the viewer's ballot; a seated member
 * in the room votes once per round. Supervisors watch read-only. After the election: who leads and how (votes, a
 * recorded lot, or appointment by the tendering unit).
 */
export function LeaderPanel({ view }: { view: RoomView }) {
  const { t } = useTranslation("evaluation");
  const e = view.election;
  const { fetcher, submit, busy } = useRoomFetcher();
  const [choice, setChoice] = useState("");
  if (!e) return null;
  const me = view.me;
  const present = !!view.entry?.mine?.present;
  const everyoneSeated = (view.entry?.missing.length ?? 0) === 0;
  const canVote = view.viewer === "member" && me?.status === "seated" && present && everyoneSeated && e.status === "voting" && !e.myChoice && view.stage === "leader";
  const active = view.stage === "leader";
  const body = (
    <>
      {e.leader && (
        <p data-testid="leader-result">
          <strong>{t("leader.chosen", { seat: e.leader.seat, name: e.leader.name })}</strong> · {t(`leader.by.${e.leader.by ?? "votes"}`)}
        </p>
      )}
      {e.lot && (
        <p className="muted small mono" data-testid="leader-lot">
          {t("leader.lot", { among: (e.lot.amongSeats as number[]).map((s) => `M${s}`).join("、"), order: (e.lot.orderSeats as number[]).map((s) => `M${s}`).join(" → "), head: String(e.lot.recordHead).slice(0, 16), salt: String(e.lot.salt).slice(0, 16) })}
        </p>
      )}
      {e.status === "awaiting_appointment" && (
        <div className="alert alert-warn" data-testid="awaiting-appointment">
          {e.mode === "appointed" ? t("leader.awaitingTenderer") : t("leader.awaitingAppointment", { among: e.eligible.map((c) => `M${c.seat} ${c.name}`).join("、") })}
        </div>
      )}
      {e.status === "voting" && active && (
        <>
          <p data-testid="leader-round">
            {t("leader.round", { round: e.round, max: e.maxRounds })} · {t("leader.voted", { voted: e.voted.length, of: e.voters })}
            {e.voted.length > 0 && <span className="muted small"> ({e.voted.map((s) => `M${s}`).join("、")})</span>}
          </p>
          {e.round > 1 && <p className="muted small">{t("leader.tiedOnly")}</p>}
          {(view.entry?.missing.length ?? 0) > 0 && (
            <div className="alert" data-testid="leader-waiting">
              {t("leader.waitingMembers", { seats: view.entry!.missing.map((m) => `M${m.seat}`).join("、") })}
            </div>
          )}
          {e.myChoice && <p data-testid="my-ballot">{t("leader.myBallot", { seat: e.myChoice.seat, name: e.myChoice.name })}</p>}
          {canVote && (
            <form
              data-testid="ballot"
              onSubmit={(ev) => {
                ev.preventDefault();
                if (choice) submit({ intent: "vote", candidateId: choice });
              }}
            >
              <fieldset disabled={busy}>
                <legend>{t("leader.choose")}</legend>
                {e.eligible.map((c) => (
                  <label key={c.id}>
                    <input type="radio" name="candidateId" value={c.id} checked={choice === c.id} onChange={() => setChoice(c.id)} data-testid={`candidate-M${c.seat}`} /> M{c.seat} {c.name}
                  </label>
                ))}
                <button type="submit" disabled={!choice || busy} data-testid="vote">
                  {t("leader.vote")}
                </button>
              </fieldset>
            </form>
          )}
          {view.viewer === "member" && me?.status === "seated" && !present && <p className="muted small">{t("leader.enterToVote")}</p>}
          <p className="muted small">{t("leader.secret")}</p>
        </>
      )}
      <ErrorAlert error={fetcher.data?.error} />
      {e.tallies.length > 0 && (
        <table data-testid="tallies">
          <thead>
            <tr>
              <th>{t("leader.tallyRound")}</th>
              <th>{t("leader.tallyVotes")}</th>
            </tr>
          </thead>
          <tbody>
            {e.tallies.map((r) => (
              <tr key={r.round} data-round={r.round}>
                <td>{t("leader.roundN", { round: r.round })}</td>
                <td>{r.votes.map((v) => t("leader.tallyEntry", { seat: v.seat, name: v.name, count: v.count })).join("；")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
  return (
    <section className="card" data-testid="leader-panel">
      {active ? (
        <>
          <h2>{t("leader.title")}</h2>
          {body}
        </>
      ) : (
        <details>
          <summary>{t("leader.howChosen")}</summary>
          {body}
        </details>
      )}
    </section>
  );
}

type AppointmentView = SerializeFrom<Awaited<ReturnType<typeof appointmentView>>>;

/**
 * The tendering unit's appointment of the leader (EV3, ZTB only): before the start where the method says the
 * leader is appointed, in the room when everyone is seated and no one was appointed, or as the fallback after the
 * last tied round. Members by seat and kind only (R36). Posts `intent=appoint` to the room's action.
 */
export function AppointLeaderPanel({ view, sectionId }: { view: AppointmentView; sectionId: string }) {
  const { t } = useTranslation("evaluation");
  const fetcher = useFetcher<{ done?: string; error?: ErrorPayload }>();
  const busy = fetcher.state !== "idle";
  return (
    <section className="card" data-testid="appoint-panel">
      <h1>{t("appoint.title")}</h1>
      {!view.ready ? (
        <p className="muted">{t("appoint.notReady")}</p>
      ) : (
        <>
          <p>{view.mode === "appointed" ? t("appoint.modeAppointed") : t("appoint.modeElection")}</p>
          {view.appointedSeat !== null && <p data-testid="appointed-seat">{t("appoint.appointed", { seat: view.appointedSeat })}</p>}
          {view.pending && <p className="muted small">{t(`appoint.pending.${view.pending}`)}</p>}
          {fetcher.data?.done === "appoint" && <div className="alert">{t("appoint.done")}</div>}
          <ErrorAlert error={fetcher.data?.error} />
          {view.canAppoint ? (
            <fetcher.Form method="post" action={`/evaluations/${sectionId}`} data-testid="appoint-form">
              <CsrfInput />
              <input type="hidden" name="intent" value="appoint" />
              <fieldset disabled={busy}>
                <legend>{t("appoint.choose")}</legend>
                {view.members.map((m) => (
                  <label key={m.id}>
                    <input type="radio" name="memberId" value={m.id} required data-testid={`appoint-M${m.seat}`} /> M{m.seat} · {t(m.kind === "representative" ? "room.representative" : "room.expert")}
                  </label>
                ))}
                <button type="submit" data-testid="appoint">
                  {t("appoint.submit")}
                </button>
              </fieldset>
            </fetcher.Form>
          ) : (
            <p className="muted small">{t("appoint.cannot")}</p>
          )}
        </>
      )}
    </section>
  );
}

/**
 * On the tendering side's tender page: the way to the leader's appointment, shown only where the method can ask the
 * tendering unit to appoint (EV3, ZTB: `leader.chosenBy = "appointed"` or the appointment fallback).
 */
export function AppointLeaderLink({ projectId, sectionId, regime, leader }: { projectId: string; sectionId: string; regime: string; leader: { chosenBy?: string; fallback?: string } | null | undefined }) {
  const { t } = useTranslation("evaluation");
  if (regime !== "ZTB" || !leader || (leader.chosenBy !== "appointed" && leader.fallback !== "appointment")) return null;
  return (
    <>
      {" · "}
      <Link to={`/manage/${projectId}/sections/${sectionId}/leader`} data-testid="appoint-link">
        {t("appoint.link")}
      </Link>
    </>
  );
}
