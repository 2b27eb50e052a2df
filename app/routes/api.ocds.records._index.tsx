import type { LoaderFunctionArgs } from "@remix-run/node";
import { recordsFeed } from "#app/services/open-data/feed.server";

/** OCDS records (linked releases and the compiled release), paged by cursor (docs/open-data.md). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  return recordsFeed(context.app, request);
}
