import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import type { ErrorPayload } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { myInvitations, respondToInvitation } from "#app/services/pool/draws.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "评标邀请 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context);
  return json({ invitations: await myInvitations(context.app.db, actor) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context);
  try {
    const form = await readForm(request, context);
    const accept = form.get("answer") === "accept";
    await respondToInvitation(context.app, actor, String(form.get("pickId") ?? ""), accept, String(form.get("reason") ?? "").slice(0, 500));
    return json({ done: accept ? "accepted" : "declined" });
  } catch (e) {
    return errorResponse(e);
  }
}

/** An expert sees only its own invitations: time and place (and by when to answer, China time), never the project's parties (R36). */
export default function Invitations() {
  const { invitations } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { done?: string; error?: ErrorPayload } | undefined;
  const { t } = useTranslation("pool");
  return (
    <>
      <h1>{t("invitations.title")}</h1>
      <ErrorAlert error={data?.error} />
      {data?.done && <div className="alert alert-ok">{t(`invitations.${data.done}`)}</div>}
      {invitations.length === 0 ? (
        <p className="card muted">{t("invitations.none")}</p>
      ) : (
        invitations.map((i) => (
          <div className="card" key={i.pickId}>
            {/* R36: time and place only — the booked review room and its slot when the section has one. */}
            {i.room ? (
              <p data-testid="invitation-room">
                {t("invitations.whenBooked", {
                  at: formatCst(i.room.startsAt),
                  until: formatCst(i.room.endsAt).slice(-5),
                  room: `${i.room.code} ${i.room.name}`,
                  location: i.room.location || "—",
                })}
              </p>
            ) : (
              <p>{t("invitations.when", { at: formatCst(i.evaluationAt), room: i.reviewRoom || "—" })}</p>
            )}
            {i.status === "invited" && i.confirmBy && (
              <p className="alert alert-warn" data-testid="confirm-by">
                {t("invitations.confirmBy", { at: formatCst(i.confirmBy) })}
              </p>
            )}
            <p>
              <span className="tag">{t(`pickStatuses.${i.status}`)}</span>
            </p>
            {i.status === "invited" && (
              <Form method="post" className="actions">
                <CsrfInput />
                <input type="hidden" name="pickId" value={i.pickId} />
                <button type="submit" name="answer" value="accept">
                  {t("invitations.accept")}
                </button>
                <input name="reason" type="text" placeholder={t("invitations.reason")} aria-label={t("invitations.reason")} />
                <button type="submit" name="answer" value="decline" className="secondary">
                  {t("invitations.decline")}
                </button>
              </Form>
            )}
          </div>
        ))
      )}
    </>
  );
}
