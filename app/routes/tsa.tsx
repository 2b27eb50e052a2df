import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { answerTimeStampHttp } from "#app/services/platform/tsa.server";

/**
 * The platform's public RFC 3161 time-stamping authority: `POST /tsa` with a DER TimeStampReq
 * (Content-Type application/timestamp-query) → application/timestamp-reply. The handler bounds the
 * body and answers bad requests with status rejection (app/services/platform/tsa.server.ts).
 * Trust anchors: /pki. Usage: docs/pades.md.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  return answerTimeStampHttp(context.app, request);
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  return answerTimeStampHttp(context.app, request);
}
