import { sql } from "drizzle-orm";
import { boolean, index, inet, integer, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant } from "./columns";

export const orgKind = pgEnum("org_kind", ["centre", "tendering_unit", "agency", "bidder", "supervisor", "expert"]);

/** docs/product.md §1. A person may hold several roles, never both sides of one tender (checked per tender). */
export const role = pgEnum("role", ["admin", "tendering_unit", "agency", "bidder", "expert", "supervisor"]);
export type Role = (typeof role.enumValues)[number];

export const organisations = pgTable(
  "organisations",
  {
    id: id(),
    name: text().notNull(),
    kind: orgKind().notNull(),
    /** 统一社会信用代码 (18 characters) where the organisation has one. */
    creditCode: text(),
    region: text().notNull().default(""),
    /**
     * Supervision organisations only: the region prefix they supervise (阳泉's city–county supervision). A city
     * department ("黑龙江省大庆市") sees every project whose region starts with it, a county one only its county; null
     * falls back to the organisation's region; '' supervises every region.
     */
    jurisdiction: text(),
    contactName: text().notNull().default(""),
    contactPhone: text().notNull().default(""),
    address: text().notNull().default(""),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("organisations_credit_code_uq").on(t.creditCode), uniqueIndex("organisations_name_uq").on(t.name)],
);

export const users = pgTable(
  "users",
  {
    id: id(),
    username: text().notNull(),
    displayName: text().notNull(),
    email: text(),
    phone: text(),
    passwordHash: text().notNull(),
    active: boolean().notNull().default(true),
    locale: text().notNull().default("zh-CN"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_username_uq").on(sql`lower(${t.username})`)],
);

export const memberships = pgTable(
  "memberships",
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    orgId: uuid()
      .notNull()
      .references(() => organisations.id, { onDelete: "restrict" }),
    role: role().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("memberships_user_org_role_uq").on(t.userId, t.orgId, t.role), index("memberships_org_idx").on(t.orgId)],
);

/** Database-backed sessions. The cookie carries a random token; only its SHA-256 is stored. */
export const sessions = pgTable(
  "sessions",
  {
    id: id(),
    tokenHash: text().notNull(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    lastSeenAt: instant().notNull().defaultNow(),
    expiresAt: instant().notNull(),
    ip: inet(),
    userAgent: text(),
  },
  (t) => [uniqueIndex("sessions_token_hash_uq").on(t.tokenHash), index("sessions_user_idx").on(t.userId)],
);

/** Password verifications (who tried which account name from where, and the outcome), for audit. */
export const loginAttempts = pgTable(
  "login_attempts",
  {
    id: id(),
    username: text().notNull(),
    ip: inet(),
    success: boolean().notNull(),
    at: instant().notNull().defaultNow(),
  },
  (t) => [index("login_attempts_username_at_idx").on(t.username, t.at), index("login_attempts_ip_at_idx").on(t.ip, t.at)],
);

/**
 * Login throttling counters (docs/decisions/014-login-throttling.md): one row per account and
 * client, per account, and per client. A login attempt locks its rows and reserves its slot
 * (counting itself as a failure) before the password is verified, so concurrent attempts
 * cannot overrun a limit; a success gives the slot back. Database clock throughout.
 */
export const loginThrottleScope = pgEnum("login_throttle_scope", ["account_client", "account", "client"]);

export const loginThrottles = pgTable(
  "login_throttles",
  {
    scope: loginThrottleScope().notNull(),
    /** Lower-cased account name as typed ('' on the per-client row); unknown names are counted too. */
    username: text().notNull(),
    /** The client: an IPv4 address or an IPv6 /64 network ('' on the per-account row). */
    client: text().notNull(),
    /** Failures (and attempts in flight) in the current window. */
    failures: integer().notNull().default(0),
    windowStartedAt: instant().notNull().defaultNow(),
    /** Exponential back-off: no attempt is verified before this instant. */
    blockedUntil: instant(),
    /** account_client rows: the last successful login from this client (a known client). */
    lastSuccessAt: instant(),
    updatedAt: instant().notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.username, t.client] }), index("login_throttles_updated_at_idx").on(t.updatedAt)],
);

export type Organisation = typeof organisations.$inferSelect;
export type User = typeof users.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
