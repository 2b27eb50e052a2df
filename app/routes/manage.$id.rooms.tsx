import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { DomainError, type ErrorPayload } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { addRepresentative, committeePanel, removeRepresentative } from "#app/services/evaluation/committee.server";
import { MAX_EVALUATION_HOURS, ROOM_LIMITS } from "#app/domain/rooms";
import { bookRoom, cancelBooking, projectBookingPanels } from "#app/services/rooms/rooms.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "评标室与评标委员会 · Tenderhall" }];

/**
 * The tender side books each section's review room for its evaluation slot (issue 12 item 1) and names the
 * tendering unit's representative where the profile allows (R32). The experts stay unnamed here (R36).
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  try {
    const view = await projectBookingPanels(context.app.db, actor, params.id ?? "");
    const committees = view.project.status === "draft" ? [] : await Promise.all(view.panels.map((p) => committeePanel(context.app.db, actor, p.section.id)));
    return json({ ...view, committees });
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: { code: e.code } }, { status: 404 });
    throw e;
  }
}

const str = (form: FormData, k: string, max: number) => String(form.get(k) ?? "").slice(0, max + 1);

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  try {
    const form = await readForm(request, context);
    const sectionId = str(form, "sectionId", 36);
    switch (String(form.get("intent") ?? "")) {
      case "book": {
        const raw = str(form, "hours", 3).trim();
        // Empty: the default length; anything else must be an integer 1–12 (the service refuses the rest).
        const hours = raw === "" ? null : Number(raw);
        await bookRoom(context.app, actor, { roomId: str(form, "roomId", 36), sectionId, purpose: "evaluation", hours: hours !== null && Number.isFinite(hours) ? hours : hours === null ? null : 0 });
        return json({ done: "booked" as const });
      }
      case "cancel":
        await cancelBooking(context.app, actor, str(form, "bookingId", 36), str(form, "reason", ROOM_LIMITS.reason));
        return json({ done: "cancelled" as const });
      case "addRepresentative":
        await addRepresentative(context.app, actor, sectionId, str(form, "userId", 36));
        return json({ done: "representativeAdded" as const });
      case "removeRepresentative":
        await removeRepresentative(context.app, actor, sectionId, str(form, "memberId", 36));
        return json({ done: "representativeRemoved" as const });
      default:
        throw new DomainError("VALIDATION", { field: "intent" });
    }
  } catch (e) {
    return errorResponse(e);
  }
}

export default function ManageRooms() {
  const { project, panels, committees } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { done?: string; error?: ErrorPayload } | undefined;
  const { t } = useTranslation("tender");
  return (
    <>
      <p className="muted small">
        <Link to={`/manage/${project.id}`}>{project.code}</Link> / {t("rooms.title")}
      </p>
      <h1>
        {t("rooms.title")} · {project.title}
      </h1>
      <p className="muted">{t("rooms.intro")}</p>
      <ErrorAlert error={data?.error} />
      {data?.done && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t(`rooms.done.${data.done}`)}
        </div>
      )}
      {panels.map(({ section, booking: b }, i) => {
        const c = committees[i];
        return (
          <section className="card" key={section.id} data-testid="section-rooms" data-section={section.code}>
            <h2>
              {section.code} {section.title}
            </h2>
            <p>{b.evaluationAt ? t("rooms.evaluationAt", { at: formatCst(b.evaluationAt) }) : t("rooms.noEvaluationTime")}</p>
            {b.booking ? (
              <div data-testid="booked-room">
                <p>
                  {t("rooms.booked", {
                    room: `${b.booking.roomCode} ${b.booking.roomName}`,
                    location: b.booking.location || "—",
                    from: formatCst(b.booking.startsAt),
                    to: formatCst(b.booking.endsAt).slice(-5),
                    seats: b.booking.capacity,
                  })}
                </p>
                {b.canCancel && (
                  <Form method="post" className="inline">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="cancel" />
                    <input type="hidden" name="bookingId" value={b.booking.id} />
                    <input name="reason" required maxLength={ROOM_LIMITS.reason} placeholder={t("rooms.cancelReason")} aria-label={t("rooms.cancelReason")} />
                    <button type="submit" className="secondary small-button">
                      {t("rooms.cancel")}
                    </button>
                  </Form>
                )}
              </div>
            ) : b.canBook ? (
              <Form method="post" className="grid grid-3">
                <CsrfInput />
                <input type="hidden" name="intent" value="book" />
                <input type="hidden" name="sectionId" value={section.id} />
                <div className="field">
                  <label htmlFor={`room-${section.id}`}>{t("rooms.room", { seats: b.seatsNeeded })}</label>
                  <select id={`room-${section.id}`} name="roomId" required>
                    {b.rooms.map((r) => (
                      <option key={r.id} value={r.id} disabled={!r.fits}>
                        {r.code} {r.name} · {t("rooms.seats", { n: r.capacity })}
                        {r.free ? "" : ` · ${t("rooms.busy")}`}
                        {r.fits ? "" : ` · ${t("rooms.tooSmall")}`}
                      </option>
                    ))}
                  </select>
                </div>
                <div className="field">
                  <label htmlFor={`hours-${section.id}`}>{t("rooms.hours")}</label>
                  <input id={`hours-${section.id}`} name="hours" type="number" min={1} max={MAX_EVALUATION_HOURS} defaultValue={b.defaultHours} />
                </div>
                <div className="actions">
                  <button type="submit">{t("rooms.book")}</button>
                </div>
              </Form>
            ) : b.evaluationAt ? (
              <p className="muted">{t("rooms.notBookable")}</p>
            ) : null}
            {c && (
              <div data-testid="committee-panel">
                <h3>{t("rooms.committee")}</h3>
                <p className="muted small">{t(`rooms.rule.${c.regime}`, { min: c.min, share: c.share })}</p>
                <p>{t("rooms.composition", { experts: c.experts, reps: c.reps.length })}</p>
                {/* R32 as the committee stands (once a draw holds experts); checked again when the room opens. */}
                {c.experts > 0 && c.violations.length > 0 && (
                  <div className="alert alert-warn" data-testid="committee-violations">
                    <ul>
                      {c.violations.map((v) => (
                        <li key={v.code} data-rule={v.rule}>
                          {t(`rules:evaluation.${v.code}`, v.params)}
                        </li>
                      ))}
                    </ul>
                  </div>
                )}
                {c.reps.length > 0 && (
                  <ul>
                    {c.reps.map((r) => (
                      <li key={r.id}>
                        {t("rooms.representative", { name: r.name, seat: r.seat })}
                        {c.canEdit && (
                          <Form method="post" className="inline">
                            <CsrfInput />
                            <input type="hidden" name="intent" value="removeRepresentative" />
                            <input type="hidden" name="sectionId" value={section.id} />
                            <input type="hidden" name="memberId" value={r.id} />
                            <button type="submit" className="secondary small-button">
                              {t("rooms.removeRepresentative")}
                            </button>
                          </Form>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
                {c.canEdit && c.representatives.allowed && c.reps.length < c.representatives.max && c.candidates.length > 0 && (
                  <Form method="post" className="inline">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="addRepresentative" />
                    <input type="hidden" name="sectionId" value={section.id} />
                    <select name="userId" aria-label={t("rooms.addRepresentative")}>
                      {c.candidates.map((u) => (
                        <option key={u.id} value={u.id}>
                          {u.name}
                        </option>
                      ))}
                    </select>
                    <button type="submit" className="small-button">
                      {t("rooms.addRepresentative")}
                    </button>
                    {!c.representatives.mayChair && <span className="muted small"> {t("rooms.mayNotChair")}</span>}
                  </Form>
                )}
              </div>
            )}
          </section>
        );
      })}
    </>
  );
}
