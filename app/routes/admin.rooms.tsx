import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "#app/components/admin-nav";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import type { ErrorPayload } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { ROOM_LIMITS } from "#app/domain/rooms";
import { cancelBooking, createRoom, listRooms, setRoomActive, updateRoom, type RoomInput } from "#app/services/rooms/rooms.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "评标室与开标室 · Tenderhall" }];

/**
 * The centre's review rooms (评标室) and opening halls (开标室) as a resource (issue 12 item 1; ADR 015 "Rooms"):
 * create, edit, deactivate, and the live bookings of the next days with a cancel (reason required).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "admin:rooms");
  return json(await listRooms(context.app.db, actor));
}

const str = (form: FormData, k: string, max: number) => String(form.get(k) ?? "").slice(0, max + 1);

function roomInput(form: FormData): RoomInput {
  const capacity = Number(str(form, "capacity", 4));
  return {
    code: str(form, "code", ROOM_LIMITS.code),
    name: str(form, "name", ROOM_LIMITS.name),
    kind: form.get("kind") === "opening" ? "opening" : "review",
    location: str(form, "location", ROOM_LIMITS.location),
    capacity: Number.isFinite(capacity) ? capacity : 0,
    note: str(form, "note", ROOM_LIMITS.note),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "admin:rooms");
  try {
    const form = await readForm(request, context);
    const intent = String(form.get("intent") ?? "");
    const roomId = str(form, "roomId", 36);
    switch (intent) {
      case "create":
        await createRoom(context.app, actor, roomInput(form));
        return json({ done: "created" as const });
      case "update":
        await updateRoom(context.app, actor, roomId, roomInput(form));
        return json({ done: "updated" as const });
      case "activate":
      case "deactivate":
        await setRoomActive(context.app, actor, roomId, intent === "activate");
        return json({ done: intent });
      case "cancel":
        await cancelBooking(context.app, actor, str(form, "bookingId", 36), str(form, "reason", ROOM_LIMITS.reason));
        return json({ done: "cancelled" as const });
      default:
        return json({ error: { code: "VALIDATION", params: { field: "intent" }, violations: [] } satisfies ErrorPayload }, { status: 400 });
    }
  } catch (e) {
    return errorResponse(e);
  }
}

type Reply = { done?: string; error?: ErrorPayload };
type RoomRow = ReturnType<typeof useLoaderData<typeof loader>>["rooms"][number];

function RoomFields({ room, idPrefix }: { room?: RoomRow; idPrefix: string }) {
  const { t } = useTranslation("admin");
  const id = (k: string) => `${idPrefix}-${k}`;
  return (
    <div className="grid grid-3">
      <div className="field">
        <label htmlFor={id("code")}>{t("rooms.code")}</label>
        <input id={id("code")} name="code" required maxLength={ROOM_LIMITS.code} pattern="[A-Za-z0-9][A-Za-z0-9-]*" defaultValue={room?.code} />
      </div>
      <div className="field">
        <label htmlFor={id("name")}>{t("rooms.name")}</label>
        <input id={id("name")} name="name" required maxLength={ROOM_LIMITS.name} defaultValue={room?.name} />
      </div>
      <div className="field">
        <label htmlFor={id("kind")}>{t("rooms.kind")}</label>
        <select id={id("kind")} name="kind" defaultValue={room?.kind ?? "review"}>
          <option value="review">{t("rooms.kinds.review")}</option>
          <option value="opening">{t("rooms.kinds.opening")}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={id("location")}>{t("rooms.location")}</label>
        <input id={id("location")} name="location" maxLength={ROOM_LIMITS.location} defaultValue={room?.location} />
      </div>
      <div className="field">
        <label htmlFor={id("capacity")}>{t("rooms.capacity")}</label>
        <input id={id("capacity")} name="capacity" type="number" required min={1} max={ROOM_LIMITS.capacity} defaultValue={room?.capacity ?? 9} />
      </div>
      <div className="field">
        <label htmlFor={id("note")}>{t("rooms.note")}</label>
        <input id={id("note")} name="note" maxLength={ROOM_LIMITS.note} defaultValue={room?.note} />
      </div>
    </div>
  );
}

export default function AdminRooms() {
  const list = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as Reply | undefined;
  const nav = useNavigation();
  const { t } = useTranslation("admin");
  const review = list.rooms.filter((r) => r.kind === "review");
  const halls = list.rooms.filter((r) => r.kind === "opening");
  return (
    <>
      <h1>{t("rooms.title")}</h1>
      <AdminNav />
      <p className="muted">{t("rooms.intro", { review: review.filter((r) => r.active).length, opening: halls.filter((r) => r.active).length })}</p>
      <ErrorAlert error={data?.error} />
      {data?.done && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t(`rooms.done.${data.done}`)}
        </div>
      )}
      <Form method="post" className="card admin-form" key={data?.done ?? "new"}>
        <CsrfInput />
        <input type="hidden" name="intent" value="create" />
        <h2>{t("rooms.new")}</h2>
        <RoomFields idPrefix="new" />
        <div className="actions">
          <button type="submit" disabled={nav.state === "submitting"}>
            {t("rooms.create")}
          </button>
        </div>
      </Form>
      <h2>{t("rooms.list", { from: formatCst(list.now), until: formatCst(list.until) })}</h2>
      <table className="admin-table" data-testid="room-list">
        <thead>
          <tr>
            <th>{t("rooms.code")}</th>
            <th>{t("rooms.name")}</th>
            <th>{t("rooms.kind")}</th>
            <th>{t("rooms.location")}</th>
            <th className="num">{t("rooms.capacity")}</th>
            <th>{t("rooms.upcoming")}</th>
            <th>{t("list.operations")}</th>
          </tr>
        </thead>
        <tbody>
          {list.rooms.map((r) => (
            <tr key={r.id} data-room={r.code} className={r.active ? undefined : "muted"}>
              <td className="nowrap">{r.code}</td>
              <td>
                {r.name}
                {!r.active && <span className="tag tag-terminated"> {t("rooms.inactive")}</span>}
              </td>
              <td>{t(`rooms.kinds.${r.kind}`)}</td>
              <td>{r.location}</td>
              <td className="num">{r.capacity}</td>
              <td>
                {r.bookings.length === 0 ? (
                  <span className="muted">{t("rooms.noBookings")}</span>
                ) : (
                  <ul className="plain">
                    {r.bookings.map((b) => (
                      <li key={b.id} data-testid="booking">
                        {formatCst(b.startsAt)}–{formatCst(b.endsAt).slice(-5)} · {t(`rooms.purposes.${b.purpose}`)}
                        {b.projectCode && ` · ${b.projectCode} ${b.sectionCode ?? ""}`} · {b.bookedBy}
                        <details>
                          <summary>{t("rooms.cancel")}</summary>
                          <Form method="post" className="inline">
                            <CsrfInput />
                            <input type="hidden" name="intent" value="cancel" />
                            <input type="hidden" name="bookingId" value={b.id} />
                            <input name="reason" required maxLength={ROOM_LIMITS.reason} placeholder={t("rooms.cancelReason")} aria-label={t("rooms.cancelReason")} />
                            <button type="submit" className="secondary small-button">
                              {t("rooms.cancelConfirm")}
                            </button>
                          </Form>
                        </details>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td>
                <details>
                  <summary>{t("rooms.edit")}</summary>
                  <Form method="post">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="update" />
                    <input type="hidden" name="roomId" value={r.id} />
                    <RoomFields room={r} idPrefix={`edit-${r.id}`} />
                    <button type="submit" className="small-button">
                      {t("rooms.save")}
                    </button>
                  </Form>
                </details>
                <Form method="post" className="inline">
                  <CsrfInput />
                  <input type="hidden" name="roomId" value={r.id} />
                  <button type="submit" name="intent" value={r.active ? "deactivate" : "activate"} className="secondary small-button">
                    {r.active ? t("rooms.deactivate") : t("rooms.activate")}
                  </button>
                </Form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
