import type { LoaderFunctionArgs } from "@remix-run/node";
import { recordFeed } from "#app/services/open-data/feed.server";

/** One OCDS record: every release of the ocid and the compiled release. */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  return recordFeed(context.app, request, params.ocid);
}
