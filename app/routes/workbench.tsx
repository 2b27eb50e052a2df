import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { WorkbenchPage } from "#app/components/workbench";
import { searchParamsOf } from "#app/domain/query";
import { WorkbenchQuerySchema } from "#app/domain/workbench";
import { workbench } from "#app/services/workbench/workbench.server";
import { requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "工作台 · Tenderhall" }];

/** The signed-in user's home (工作台): a part per role with what waits for it and by when (app/services/workbench/). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context);
  return json(await workbench(context.app.db, actor, WorkbenchQuerySchema.parse(searchParamsOf(request))));
}

export default function Workbench() {
  const data = useLoaderData<typeof loader>();
  return <WorkbenchPage data={data} />;
}
