import { DomainError } from "./errors";
import { isIdFieldName, isUuid } from "./ids";
import { MAX_FIELD_LENGTH, MAX_FIELD_NAME_LENGTH, MAX_FORM_ARRAY_INDEX, MAX_FORM_FIELDS } from "./limits";
import { hasControlCharacter } from "./text";

/**
 * The checks every submitted form passes before an action reads it (readForm in
 * app/utils/request.server.ts), as pure functions. A form that fails one is refused as a
 * whole with a 4xx: nothing of it reaches a service.
 *
 * - Field names follow the grammar Conform reads (`name`, `a.b`, `list[3].field`); anything
 *   else — `x]`, `a..b`, `[]`, `__proto__` — would make its parser throw.
 * - An array index above MAX_FORM_ARRAY_INDEX is refused: `sections[100000].code` would
 *   make Conform build a 100,001-element array before any schema could say "too many".
 * - Values carry no control characters (PostgreSQL refuses U+0000; official texts must not
 *   hide any) and are at most MAX_FIELD_LENGTH characters.
 * - A field that carries an id by name (`id`, `…Id`) holds a UUID or nothing (a malformed
 *   id names nothing: NOT_FOUND, as for a malformed id in the URL).
 */
const SEGMENT = String.raw`[A-Za-z_][A-Za-z0-9_]*(?:\[\d{1,6}\])*`;
const FIELD_NAME = new RegExp(`^${SEGMENT}(?:\\.${SEGMENT})*$`);
const INDEX = /\[(\d+)\]/g;
const FORBIDDEN_SEGMENTS = new Set(["__proto__", "constructor", "prototype"]);

/** The array indices a field name carries (`sections[2].criteria[5].name` → [2, 5]). */
export function arrayIndicesOf(name: string): number[] {
  return [...name.matchAll(INDEX)].map((m) => Number(m[1]));
}

/** Why a field name is refused, or null when it is acceptable. */
export function checkFieldName(name: string): DomainError | null {
  if (name.length === 0 || name.length > MAX_FIELD_NAME_LENGTH || !FIELD_NAME.test(name))
    return new DomainError("MALFORMED_REQUEST", { field: name.slice(0, MAX_FIELD_NAME_LENGTH) });
  if (name.split(/[.[\]]/).some((s) => FORBIDDEN_SEGMENTS.has(s))) return new DomainError("MALFORMED_REQUEST", { field: name });
  if (arrayIndicesOf(name).some((i) => i > MAX_FORM_ARRAY_INDEX)) return new DomainError("TOO_MANY_ITEMS", { field: name, max: MAX_FORM_ARRAY_INDEX + 1 });
  return null;
}

/** Why a text value is refused, or null. */
export function checkFieldValue(name: string, value: string): DomainError | null {
  if (value.length > MAX_FIELD_LENGTH) return new DomainError("PAYLOAD_TOO_LARGE", { field: name });
  if (hasControlCharacter(value)) return new DomainError("CONTROL_CHARACTER", { field: name });
  if (isIdFieldName(name) && value !== "" && !isUuid(value)) return new DomainError("NOT_FOUND", { field: name });
  return null;
}

/** Checks one field (name, then a text value); throws the first refusal. */
export function assertFormField(name: string, value: string | null): void {
  const e = checkFieldName(name) ?? (value === null ? null : checkFieldValue(name, value));
  if (e) throw e;
}

/** Checks a whole form: the field count, then every field. Throws the first refusal. */
export function assertFormEntries(entries: Iterable<[string, unknown]>): void {
  let n = 0;
  for (const [name, value] of entries) {
    if (++n > MAX_FORM_FIELDS) throw new DomainError("TOO_MANY_ITEMS", { max: MAX_FORM_FIELDS });
    assertFormField(name, typeof value === "string" ? value : null);
  }
}

/**
 * Per-schema array bounds, checked on field names before a Conform parser builds anything:
 * `bounds` maps an array's path with its indices removed (`sections`, `sections.criteria`)
 * to its maximum length. An index into an array the schema does not have is refused too.
 */
export function assertArrayBounds(names: Iterable<string>, bounds: Readonly<Record<string, number>>): void {
  for (const name of names) {
    let path = "";
    for (const segment of name.split(".")) {
      const key = segment.replace(/\[\d+\]/g, "");
      path = path ? `${path}.${key}` : key;
      for (const i of arrayIndicesOf(segment)) {
        const max = bounds[path];
        if (max === undefined) throw new DomainError("MALFORMED_REQUEST", { field: name });
        if (i >= max) throw new DomainError("TOO_MANY_ITEMS", { field: name, max });
      }
    }
  }
}
