import { z } from "zod";

/**
 * Record ids are UUIDs (db/schema/columns.ts). Anything else names nothing: checked before a
 * query, because PostgreSQL refuses a malformed uuid with an error (a 500) instead of "no row".
 * Strict: 8-4-4-4-12 hex digits — a string of 36 hyphens and letters is not an id.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: unknown): s is string {
  return typeof s === "string" && UUID.test(s);
}

/** A form field that carries an id (a hidden input, a select): Conform reports "invalid" on anything else. */
export const UuidSchema = z.string({ required_error: "required" }).regex(UUID, "invalid");

/**
 * Form field names that carry ids by convention (`id`, `userId`, `sections[0].documentId`):
 * readForm refuses a non-UUID value in them before any action sees it.
 */
export function isIdFieldName(name: string): boolean {
  const last = name.slice(name.lastIndexOf(".") + 1);
  return last === "id" || /^[a-z][A-Za-z0-9]*Id$/.test(last);
}
