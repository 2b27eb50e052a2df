import type { LoaderFunctionArgs } from "@remix-run/node";
import { policy } from "#app/services/open-data/feed.server";

/** The open-data publication policy and endpoints (docs/open-data.md). */
export async function loader({ context }: LoaderFunctionArgs) {
  return policy(context.app);
}
