import type { LoaderFunctionArgs } from "@remix-run/node";
import { atomFeed } from "#app/services/tendering/portal.server";

export async function loader({ context }: LoaderFunctionArgs) {
  const xml = await atomFeed(context.app.db, context.app.config.publicUrl);
  return new Response(xml, { headers: { "Content-Type": "application/atom+xml; charset=utf-8", "Cache-Control": "public, max-age=60" } });
}
