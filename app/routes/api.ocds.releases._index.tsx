import type { LoaderFunctionArgs } from "@remix-run/node";
import { releasesFeed } from "#app/services/open-data/feed.server";

/** The OCDS release feed, paged by cursor (docs/open-data.md). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  return releasesFeed(context.app, request);
}
