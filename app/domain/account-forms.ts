import { z } from "zod";
import { isValidCreditCode } from "./credit-code";
import { isCalendarDay } from "./cst-time";
import { MAX_PAGE } from "./limits";
import { QueryTextSchema } from "./query";
import type { ErrorPayload } from "./errors";
import { ORG_KINDS, ROLES } from "./roles";

/**
 * Account and administration forms: one Zod schema per form, shared by parseWithZod on the
 * server (and Conform in the browser). Messages are i18n keys: a bare key is a
 * `common:errors.*` key, a qualified key ("admin:…") is used as is (see fieldErrorKeys).
 */

// The 统一社会信用代码 validator (GB 32100-2015, 18 characters, mod-31 check character).
// It lives in ./credit-code (also used by the demo seed and the tests) and is re-exported here.
export { creditCodeCheckChar, isValidCreditCode, withCheckChar } from "./credit-code";

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const text = (max: number) => z.string({ required_error: "required" }).trim().min(1, "required").max(max, "tooLong");
const optional = (max: number) => z.preprocess(blankToUndefined, z.string().trim().max(max, "tooLong").optional());

/** Upper-cased, spaces removed (codes are often pasted with spaces), then checked. */
export const CreditCodeSchema = z.preprocess(
  (v) => (typeof v === "string" ? v.replace(/\s+/g, "").toUpperCase() : v),
  z.string({ required_error: "required" }).min(1, "required").refine((s) => s === "" || isValidCreditCode(s), "creditCode"),
);

export const UsernameSchema = z
  .string({ required_error: "required" })
  .trim()
  .min(1, "required")
  .min(3, "username")
  .max(40, "username")
  .regex(/^[A-Za-z0-9_.-]+$/, "username");

export const PasswordSchema = z.string({ required_error: "required" }).min(1, "required").min(10, "passwordLength").max(200, "tooLong");

/** Landline or mobile: digits with the usual separators (0459-1234567, +86 138 0000 0000). */
const PHONE = /^\+?[0-9][0-9 ()-]{4,28}[0-9]$/;
const phone = (required: boolean) =>
  required
    ? text(40).regex(PHONE, "invalid")
    : z.preprocess(blankToUndefined, z.string().trim().max(40, "tooLong").regex(PHONE, "invalid").optional());
const email = z.preprocess(blankToUndefined, z.string().trim().max(200, "tooLong").email("invalid").optional());

/** Admin: a new organisation of any kind (the credit code is optional, e.g. for the centre itself). */
export const OrganisationSchema = z.object({
  name: text(100),
  kind: z.enum(ORG_KINDS, { errorMap: () => ({ message: "required" }) }),
  creditCode: z.preprocess(blankToUndefined, CreditCodeSchema.optional()),
  region: optional(60),
  /** Supervision organisations: the region prefix they supervise (blank: their region). */
  jurisdiction: optional(60),
  contactName: optional(40),
  contactPhone: z.preprocess(blankToUndefined, z.string().trim().max(40, "tooLong").regex(PHONE, "invalid").optional()),
  address: optional(200),
});

/** Admin: a new user in an organisation (the service checks the role against the organisation's kind). */
export const UserSchema = z.object({
  orgId: z.string({ required_error: "required" }).uuid("required"),
  role: z.enum(ROLES, { errorMap: () => ({ message: "required" }) }),
  username: UsernameSchema,
  displayName: text(40),
  password: PasswordSchema,
  email,
  phone: phone(false),
});

/** A bidder registers itself: the organisation and its first user (R3: free, no other precondition). */
export const RegisterSchema = z
  .object({
    orgName: text(100),
    creditCode: CreditCodeSchema,
    region: text(60),
    address: optional(200),
    contactName: text(40),
    contactPhone: phone(true),
    username: UsernameSchema,
    displayName: text(40),
    password: PasswordSchema,
    confirm: z.string({ required_error: "required" }),
    phone: phone(false),
    email,
  })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "passwordMismatch" });

/** A real calendar day written YYYY-MM-DD (rejects 2026-02-30). */
export function isIsoDay(s: string): boolean {
  return isCalendarDay(s);
}

/** Saturday or Sunday (the day as written, no time zone involved). */
export function isWeekendDay(s: string): boolean {
  const wd = new Date(`${s}T00:00:00Z`).getUTCDay();
  return wd === 0 || wd === 6;
}

/**
 * One entry of the holiday calendar (R2): a public holiday, or a weekend day that is
 * worked in exchange (调休上班) — a working weekday needs no entry, so a "workday" entry
 * must fall on a weekend.
 */
export const HolidaySchema = z
  .object({
    day: z.string({ required_error: "required" }).trim().min(1, "required").refine((s) => s === "" || isIsoDay(s), "invalid"),
    kind: z.enum(["holiday", "workday"], { errorMap: () => ({ message: "required" }) }),
    name: text(40),
  })
  .refine((h) => h.kind !== "workday" || !isIsoDay(h.day) || isWeekendDay(h.day), { path: ["day"], message: "admin:fieldErrors.VALIDATION.workdayWeekend" });

/** The year shown on the holiday page (falls back to the given year). */
export function parseYear(raw: string | null, fallback: number): number {
  const y = Number(raw);
  return Number.isInteger(y) && y >= 2000 && y <= 2100 ? y : fallback;
}

/** List pages: a search text and a 1-based page number; bad values fall back silently. */
export const ListQuerySchema = z.object({
  q: QueryTextSchema(60),
  page: z.coerce.number().int().min(1).max(MAX_PAGE).catch(1),
  kind: z.enum(ORG_KINDS).optional().catch(undefined),
  org: z.string().uuid().optional().catch(undefined),
});
export type ListQuery = z.infer<typeof ListQuerySchema>;

/** The record viewer: entries before a sequence number, optionally for one subject. */
export const RecordQuerySchema = z.object({
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
  subject: z.preprocess(blankToUndefined, z.string().trim().regex(/^[0-9A-Za-z_.:-]{1,64}$/).optional()).catch(undefined),
});

/** What a form action answers: Zod field errors and/or a domain error (CONFLICT/VALIDATION may name a field). */
export type FormReply = {
  error?: ErrorPayload | null;
  fieldErrors?: Record<string, string[] | null | undefined>;
};

/** The domain error codes that a service raises with `{ field }` (or `{ reason }`) to point at one input. */
const FIELD_CODES = new Set(["CONFLICT", "VALIDATION"]);

function fieldOf(e: ErrorPayload | null | undefined): string | null {
  if (!e || !FIELD_CODES.has(e.code)) return null;
  return typeof e.params.field === "string" ? e.params.field : null;
}

/**
 * The i18n keys (fully qualified) to show under one input: its first Zod message (checks
 * run in order, so "required" comes before a format message), plus a
 * domain error that names this field (e.g. CONFLICT {field: "username"} → "admin:fieldErrors.CONFLICT.username").
 * `serviceField` is the service's name for the field when the form names it differently.
 */
export function fieldErrorKeys(reply: FormReply | null | undefined, field: string, serviceField: string = field): string[] {
  const keys = (reply?.fieldErrors?.[field] ?? []).slice(0, 1).map((m) => (m.includes(":") ? m : `common:errors.${m}`));
  const e = reply?.error;
  if (e && fieldOf(e) === serviceField) {
    const reason = typeof e.params.reason === "string" ? e.params.reason : serviceField;
    keys.push(`admin:fieldErrors.${e.code}.${reason}`);
  }
  return keys;
}

/**
 * The alert above a form: a domain error that is shown next to its field becomes the
 * generic "check the marked fields" message; other errors are shown as they are.
 */
export function formAlert(reply: FormReply | null | undefined): ErrorPayload | null {
  const e = reply?.error ?? null;
  if (e && fieldOf(e)) return { code: "VALIDATION", params: {}, violations: [] };
  return e;
}
