import { z } from "zod";
import { CalendarDaySchema } from "./cst-time";

/** A real calendar day (2026-02-30 would reach the database's date column and fail there). */
const date = CalendarDaySchema;
const optionalDate = z.preprocess((v) => (v === "" ? undefined : v), date.optional());
const code = z.preprocess((v) => (v === "" ? undefined : v), z.string().trim().toUpperCase().regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/, "creditCode").optional());

/** An expert's own declarations (R39–R41) and the admin's status decisions. */
export const RelationshipSchema = z
  .object({
    kind: z.enum(["shareholding", "directorship", "relative"]),
    orgName: z.string().trim().min(1, "required").max(100, "tooLong"),
    orgCode: code,
    fromDate: date,
    toDate: optionalDate,
    note: z.string().trim().max(200, "tooLong").default(""),
  })
  .refine((v) => !v.toDate || v.toDate >= v.fromDate, { path: ["toDate"], message: "invalid" });

export const EmploymentSchema = z
  .object({ orgName: z.string().trim().min(1, "required").max(100, "tooLong"), orgCode: code, fromDate: date, toDate: optionalDate })
  .refine((v) => !v.toDate || v.toDate >= v.fromDate, { path: ["toDate"], message: "invalid" });

export const UnavailabilitySchema = z
  .object({ fromDate: date, toDate: date, reason: z.string().trim().max(200, "tooLong").default("") })
  .refine((v) => v.toDate >= v.fromDate, { path: ["toDate"], message: "invalid" });

export const StatusSchema = z
  .object({ status: z.enum(["active", "suspended", "retired", "blacklisted"]), reason: z.string().trim().max(200, "tooLong").default(""), punished: z.preprocess((v) => v === "on" || v === true, z.boolean()) })
  .refine((v) => v.status === "active" || v.status === "retired" || v.reason.length > 0, { path: ["reason"], message: "statusReasonRequired" });
