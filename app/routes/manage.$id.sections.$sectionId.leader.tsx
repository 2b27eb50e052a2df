import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { AppointLeaderPanel } from "#app/components/evaluation/leader-panel";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import { appointmentView } from "#app/services/evaluation/election.server";
import { requireActor, requireUuidParam } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "评标委员会组长 · Tenderhall" }];

/**
 * The tendering unit's (or agency's) appointment of the committee leader where the method says so (EV3, ZTB only,
 * 评标规定9). Seats and kinds only — never the experts' names (R36). The form posts to the room's action
 * (`intent=appoint`, app/routes/evaluations.$sectionId.tsx), the one place evaluation commands go through.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context);
  const projectId = requireUuidParam(params, "id");
  const sectionId = requireUuidParam(params, "sectionId");
  try {
    const view = await appointmentView(context.app.db, actor, sectionId);
    if (view.projectId !== projectId) throw new DomainError("NOT_FOUND");
    return json({ view, sectionId });
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

export default function AppointLeader() {
  const { view, sectionId } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="muted small">
        <Link to={`/manage/${view.projectId}`}>
          {view.projectCode} {view.projectTitle}
        </Link>{" "}
        / {view.sectionCode}
      </p>
      <AppointLeaderPanel view={view} sectionId={sectionId} />
    </>
  );
}
