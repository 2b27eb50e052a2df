import { z } from "zod";
import { isValidCreditCode } from "./credit-code";
import { ORG_KINDS, ROLES } from "./roles";

/** Account forms shared by Conform in the browser and parseWithZod on the server. */
const text = (max: number) => z.string({ required_error: "required" }).trim().min(1, "required").max(max, "tooLong");
const optional = (max: number) => z.preprocess((v) => (v === "" ? undefined : v), z.string().trim().max(max, "tooLong").optional());

export const CreditCodeSchema = z
  .string({ required_error: "required" })
  .trim()
  .toUpperCase()
  .refine(isValidCreditCode, "creditCode");

export const UsernameSchema = z
  .string({ required_error: "required" })
  .trim()
  .min(3, "username")
  .max(40, "tooLong")
  .regex(/^[A-Za-z0-9_.-]+$/, "username");

export const PasswordSchema = z.string({ required_error: "required" }).min(10, "passwordLength").max(200, "tooLong");

export const OrganisationSchema = z.object({
  name: text(100),
  kind: z.enum(ORG_KINDS),
  creditCode: z.preprocess((v) => (v === "" ? undefined : v), CreditCodeSchema.optional()),
  region: optional(60),
  contactName: optional(40),
  contactPhone: optional(40),
  address: optional(200),
});

export const UserSchema = z.object({
  orgId: z.string().uuid("required"),
  role: z.enum(ROLES),
  username: UsernameSchema,
  displayName: text(40),
  password: PasswordSchema,
  email: z.preprocess((v) => (v === "" ? undefined : v), z.string().email("invalid").optional()),
  phone: optional(40),
});

export const RegisterSchema = z
  .object({
    orgName: text(100),
    creditCode: CreditCodeSchema,
    region: text(60),
    address: optional(200),
    contactName: text(40),
    contactPhone: text(40),
    username: UsernameSchema,
    displayName: text(40),
    password: PasswordSchema,
    confirm: z.string(),
    email: z.preprocess((v) => (v === "" ? undefined : v), z.string().email("invalid").optional()),
  })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "passwordMismatch" });

export const HolidaySchema = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "invalid"),
  kind: z.enum(["holiday", "workday"]),
  name: text(40),
});
