import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "#app/components/forms";
import { useRoomFetcher, type RoomView } from "./entry-panel";

/** Stages in which the room works and can be paused (pause.server.ts PAUSABLE). */
const PAUSABLE = ["entry", "leader", "review", "scoring", "summary", "signing"];

/**
 * Pausing the evaluation (87号令65: the documents are ambiguous or defective, or break a mandatory rule): the leader
 * or a supervisor stops the room with a written reason and resumes it; both are recorded (pause.server.ts).
 */
export function PausePanel({ view }: { view: RoomView }) {
  const { t } = useTranslation("evaluation");
  const { fetcher, submit, busy } = useRoomFetcher();
  const [reason, setReason] = useState("");
  const leader = view.viewer === "member" && view.me?.leader === true && view.me.status === "seated";
  if (!(leader || view.supervisor) || !PAUSABLE.includes(view.stage)) return null;
  return (
    <section className="card" data-testid="pause">
      {view.paused ? (
        <p>
          <button type="button" disabled={busy} onClick={() => submit({ intent: "resume" })} data-testid="resume">
            {t("pause.resume")}
          </button>
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit({ intent: "pause", reason });
          }}
        >
          <label>
            {t("pause.reason")}
            <input maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="pause-reason" />
          </label>{" "}
          <button type="submit" className="secondary" disabled={busy || reason.trim().length < 4} data-testid="pause-submit">
            {t("pause.pause")}
          </button>
          <p className="muted small">{t("pause.hint")}</p>
        </form>
      )}
      <ErrorAlert error={fetcher.data?.error} />
    </section>
  );
}
