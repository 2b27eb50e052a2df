import type { LoaderFunctionArgs } from "@remix-run/node";
import { releaseFeed } from "#app/services/open-data/feed.server";

/** One OCDS release in its own package (the address linked releases point to). */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  return releaseFeed(context.app, request, params.releaseId);
}
