import { describe, expect, it } from "vitest";
import {
  creditCodeCheckChar,
  fieldErrorKeys,
  formAlert,
  HolidaySchema,
  isIsoDay,
  isValidCreditCode,
  ListQuerySchema,
  OrganisationSchema,
  parseYear,
  RecordQuerySchema,
  RegisterSchema,
  UserSchema,
  withCheckChar,
} from "./account-forms";

const issues = (r: { success: boolean; error?: { issues: { path: (string | number)[]; message: string }[] } }) =>
  Object.fromEntries((r.error?.issues ?? []).map((i) => [i.path.join("."), i.message]));

describe("统一社会信用代码 validator (GB 32100-2015)", () => {
  it("accepts published codes whose check character is right", () => {
    expect(isValidCreditCode("91350100M000100Y43")).toBe(true);
    expect(isValidCreditCode("91110108551385082Q")).toBe(true);
  });
  it("refuses any changed character (check character, body, or a swap)", () => {
    expect(isValidCreditCode("91350100M000100Y44")).toBe(false);
    expect(isValidCreditCode("91350100M000101Y43")).toBe(false);
    expect(isValidCreditCode("19350100M000100Y43")).toBe(false);
  });
  it("refuses the wrong length and letters outside the 31-symbol alphabet (I, O, S, V, Z)", () => {
    expect(isValidCreditCode("")).toBe(false);
    expect(isValidCreditCode("91350100M000100Y4")).toBe(false);
    expect(isValidCreditCode("91350100M000100Y433")).toBe(false);
    for (const bad of ["I", "O", "S", "V", "Z"]) {
      expect(creditCodeCheckChar(`9135010${bad}M000100Y4`)).toBeNull();
    }
  });
  it("computes check characters that are letters as well as digits", () => {
    expect(creditCodeCheckChar("91110000100000708")).toBe("A");
    expect(creditCodeCheckChar("12230600MB1234567")).toBe("E");
    expect(isValidCreditCode(withCheckChar("91230100MA1ABCDE1"))).toBe(true);
  });
});

const registration = {
  orgName: "大庆新源建设工程有限公司",
  creditCode: "91350100M000100Y43",
  region: "黑龙江省大庆市",
  address: "",
  contactName: "郑经理",
  contactPhone: "0459-7654321",
  username: "xinyuan",
  displayName: "郑经理",
  password: "xinyuan-2026!",
  confirm: "xinyuan-2026!",
  phone: "",
  email: "",
};

describe("RegisterSchema (bidder self-registration)", () => {
  it("accepts a complete form; blank optional fields become undefined", () => {
    const r = RegisterSchema.safeParse(registration);
    expect(r.success).toBe(true);
    expect(r.data?.phone).toBeUndefined();
    expect(r.data?.email).toBeUndefined();
    expect(r.data?.address).toBeUndefined();
  });
  it("normalises a pasted credit code (lower case, spaces)", () => {
    const r = RegisterSchema.safeParse({ ...registration, creditCode: " 9135 0100 m000 100y 43 " });
    expect(r.success).toBe(true);
    expect(r.data?.creditCode).toBe("91350100M000100Y43");
  });
  it("names each bad field with a translatable key", () => {
    const r = RegisterSchema.safeParse({
      ...registration,
      orgName: "  ",
      creditCode: "91350100M000100Y44",
      contactPhone: "call me",
      username: "张三",
      password: "short",
      confirm: "short",
      email: "not-an-email",
    });
    expect(r.success).toBe(false);
    expect(issues(r)).toMatchObject({
      orgName: "required",
      creditCode: "creditCode",
      contactPhone: "invalid",
      username: "username",
      password: "passwordLength",
      email: "invalid",
    });
  });
  it("refuses a confirmation that differs, on the confirmation field", () => {
    const r = RegisterSchema.safeParse({ ...registration, confirm: "xinyuan-2026?" });
    expect(issues(r)).toEqual({ confirm: "passwordMismatch" });
  });
  it("an empty form: every required field's first message is \"required\"", () => {
    const empty = Object.fromEntries(Object.keys(registration).map((k) => [k, ""]));
    const r = RegisterSchema.safeParse(empty);
    const first: Record<string, string> = {};
    for (const i of r.error?.issues ?? []) first[i.path.join(".")] ??= i.message;
    for (const f of ["orgName", "creditCode", "region", "contactName", "contactPhone", "username", "displayName", "password"]) {
      expect(first[f], f).toBe("required");
    }
    expect(first.phone).toBeUndefined();
    expect(first.email).toBeUndefined();
    expect(fieldErrorKeys({ fieldErrors: { username: ["required", "username", "username"] } }, "username")).toEqual(["common:errors.required"]);
  });
  it("requires the credit code, region and contact", () => {
    const { creditCode: _c, region: _r, contactName: _n, ...rest } = registration;
    expect(issues(RegisterSchema.safeParse(rest))).toMatchObject({ creditCode: "required", region: "required", contactName: "required" });
  });
});

describe("admin forms", () => {
  it("OrganisationSchema: the credit code is optional but checked when given", () => {
    expect(OrganisationSchema.safeParse({ name: "大庆市公共资源交易中心", kind: "centre", creditCode: "" }).success).toBe(true);
    expect(issues(OrganisationSchema.safeParse({ name: "某单位", kind: "agency", creditCode: "123" }))).toEqual({ creditCode: "creditCode" });
    expect(issues(OrganisationSchema.safeParse({ name: "某单位", kind: "alien" }))).toEqual({ kind: "required" });
  });
  it("UserSchema: organisation, role, user name and a 10-character password", () => {
    const ok = { orgId: "3b241101-e2bb-4255-8caf-4136c566a962", role: "agency", username: "li.daili", displayName: "李代理", password: "0123456789" };
    expect(UserSchema.safeParse(ok).success).toBe(true);
    expect(issues(UserSchema.safeParse({ ...ok, orgId: "", role: "root", password: "012345678" }))).toEqual({
      orgId: "required",
      role: "required",
      password: "passwordLength",
    });
  });
  it("HolidaySchema: a real date; a swapped working day must be a weekend day", () => {
    expect(HolidaySchema.safeParse({ day: "2026-10-01", kind: "holiday", name: "国庆节" }).success).toBe(true);
    expect(HolidaySchema.safeParse({ day: "2026-09-27", kind: "workday", name: "国庆节调休" }).success).toBe(true); // a Sunday
    expect(issues(HolidaySchema.safeParse({ day: "2026-09-28", kind: "workday", name: "调休" }))).toEqual({ day: "admin:fieldErrors.VALIDATION.workdayWeekend" });
    expect(issues(HolidaySchema.safeParse({ day: "2026-02-30", kind: "holiday", name: "x" }))).toEqual({ day: "invalid" });
    expect(issues(HolidaySchema.safeParse({ day: "", kind: "holiday", name: "" }))).toEqual({ day: "required", name: "required" });
    expect(isIsoDay("2028-02-29")).toBe(true);
    expect(isIsoDay("2027-02-29")).toBe(false);
  });
  it("query strings fall back instead of failing", () => {
    expect(ListQuerySchema.parse({ page: "abc", kind: "nope", org: "x", q: "  " })).toEqual({ page: 1, kind: undefined, org: undefined, q: undefined });
    expect(ListQuerySchema.parse({ page: "3", kind: "bidder", q: " 大庆 " })).toMatchObject({ page: 3, kind: "bidder", q: "大庆" });
    expect(RecordQuerySchema.parse({ before: "-1", subject: "x'; drop table" })).toEqual({ before: undefined, subject: undefined });
    expect(RecordQuerySchema.parse({ before: "120", subject: "2026-10-01" })).toEqual({ before: 120, subject: "2026-10-01" });
    expect(parseYear("2027", 2026)).toBe(2027);
    expect(parseYear("1776", 2026)).toBe(2026);
    expect(parseYear(null, 2026)).toBe(2026);
  });
});

describe("field error mapping", () => {
  it("shows Zod keys under their field and a service conflict under the field it names", () => {
    const reply = { fieldErrors: { username: ["username"] }, error: null };
    expect(fieldErrorKeys(reply, "username")).toEqual(["common:errors.username"]);
    const conflict = { error: { code: "CONFLICT" as const, params: { field: "name" }, violations: [] } };
    expect(fieldErrorKeys(conflict, "orgName", "name")).toEqual(["admin:fieldErrors.CONFLICT.name"]);
    expect(fieldErrorKeys(conflict, "creditCode")).toEqual([]);
    expect(formAlert(conflict)).toEqual({ code: "VALIDATION", params: {}, violations: [] });
  });
  it("uses a reason when the service gives one, and keeps qualified keys as they are", () => {
    const e = { error: { code: "VALIDATION" as const, params: { field: "day", reason: "workdayWeekend" }, violations: [] } };
    expect(fieldErrorKeys(e, "day")).toEqual(["admin:fieldErrors.VALIDATION.workdayWeekend"]);
    expect(fieldErrorKeys({ fieldErrors: { day: ["admin:fieldErrors.VALIDATION.workdayWeekend"] } }, "day")).toEqual(["admin:fieldErrors.VALIDATION.workdayWeekend"]);
  });
  it("leaves other errors in the alert", () => {
    const forbidden = { error: { code: "FORBIDDEN" as const, params: { permission: "admin:users" }, violations: [] } };
    expect(fieldErrorKeys(forbidden, "username")).toEqual([]);
    expect(formAlert(forbidden)).toBe(forbidden.error);
    expect(formAlert(undefined)).toBeNull();
  });
});
