import { boolean, date, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";
import { createdAt, id, instant } from "./columns";
import { projects, sections } from "./tenders";

/** The specialty code tree (评标专家专业分类): fixed-width codes, ancestry by prefix. */
export const specialties = pgTable("specialties", {
  code: text().primaryKey(),
  name: text().notNull(),
  parentCode: text(),
  level: integer().notNull(),
});

export const expertStatus = pgEnum("expert_status", ["active", "suspended", "retired", "blacklisted"]);
export const titleLevel = pgEnum("title_level", ["senior", "deputy_senior", "intermediate", "other"]);

/** The shared expert pool (统一专家库, R34, R63). */
export const experts = pgTable(
  "experts",
  {
    id: id(),
    /** The platform account of the expert, when it has one (for its own profile and invitations). */
    userId: uuid().references(() => users.id),
    /** External registration number (e.g. the provincial pool's), unique: the import key. */
    code: text().notNull(),
    name: text().notNull(),
    /** Last four characters of the ID number only; the full number never enters the platform. */
    idSuffix: text().notNull().default(""),
    phone: text().notNull().default(""),
    title: text().notNull().default(""),
    titleLevel: titleLevel().notNull().default("senior"),
    yearsExperience: integer().notNull(),
    region: text().notNull(),
    employerName: text().notNull().default(""),
    /** 统一社会信用代码 of the current employer: conflicts are matched on it. */
    employerCode: text(),
    status: expertStatus().notNull().default("active"),
    statusReason: text().notNull().default(""),
    /** Previously punished for tendering/evaluation offences (R39.4). */
    punished: boolean().notNull().default(false),
    /**
     * The expert's specialty codes, sorted: a copy of its expert_specialties rows kept by the database itself
     * (statement triggers, migration 0013), so a draw finds its pool in one GIN index scan (ADR 009).
     */
    specialties: text().array().notNull().default([]),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("experts_code_uq").on(t.code),
    index("experts_region_idx").on(t.region),
    index("experts_status_idx").on(t.status),
    index("experts_specialties_gin").using("gin", t.specialties),
  ],
);

export const expertSpecialties = pgTable(
  "expert_specialties",
  {
    expertId: uuid()
      .notNull()
      .references(() => experts.id, { onDelete: "cascade" }),
    code: text()
      .notNull()
      .references(() => specialties.code),
  },
  (t) => [primaryKey({ columns: [t.expertId, t.code] }), index("expert_specialties_code_idx").on(t.code)],
);

/** Dated employment history (R40: 3 years), the current employer included. */
export const expertEmployment = pgTable(
  "expert_employment",
  {
    id: id(),
    expertId: uuid()
      .notNull()
      .references(() => experts.id, { onDelete: "cascade" }),
    orgName: text().notNull(),
    orgCode: text(),
    fromDate: date({ mode: "string" }).notNull(),
    toDate: date({ mode: "string" }),
  },
  (t) => [index("expert_employment_expert_idx").on(t.expertId), index("expert_employment_org_idx").on(t.orgCode)],
);

export const relationshipKind = pgEnum("relationship_kind", ["shareholding", "directorship", "relative"]);

/** Declared relationships (R39.1/3, R40.2–4), with dates. */
export const expertRelationships = pgTable(
  "expert_relationships",
  {
    id: id(),
    expertId: uuid()
      .notNull()
      .references(() => experts.id, { onDelete: "cascade" }),
    kind: relationshipKind().notNull(),
    orgName: text().notNull(),
    orgCode: text(),
    fromDate: date({ mode: "string" }).notNull(),
    toDate: date({ mode: "string" }),
    note: text().notNull().default(""),
  },
  (t) => [index("expert_relationships_expert_idx").on(t.expertId), index("expert_relationships_org_idx").on(t.orgCode)],
);

export const expertUnavailability = pgTable(
  "expert_unavailability",
  {
    id: id(),
    expertId: uuid()
      .notNull()
      .references(() => experts.id, { onDelete: "cascade" }),
    fromDate: date({ mode: "string" }).notNull(),
    toDate: date({ mode: "string" }).notNull(),
    reason: text().notNull().default(""),
  },
  (t) => [index("expert_unavailability_expert_idx").on(t.expertId)],
);

export const drawStatus = pgEnum("draw_status", ["committed", "salted", "drawn", "revealed", "cancelled"]);

/**
 * A draw (R35): the commitment to the server seed is recorded before the draw; a supervisor
 * adds the salt; the draw binds both to the record head at draw time. The server seed is
 * revealed (with the list) only when the result is published (R36).
 */
export const draws = pgTable(
  "draws",
  {
    id: id(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    requestedBy: uuid()
      .notNull()
      .references(() => users.id),
    /** [{specialty, count, backups}] */
    lines: jsonb().$type<{ specialty: string; count: number; backups: number }[]>().notNull(),
    regionMode: text().$type<"local" | "remote" | "any">().notNull(),
    evaluationAt: instant().notNull(),
    /** Manual avoidance: [{expertCode, reason}] */
    avoid: jsonb().$type<{ expertCode: string; reason: string }[]>().notNull().default([]),
    status: drawStatus().notNull().default("committed"),
    serverSeed: text().notNull(),
    commitment: text().notNull(),
    salt: text(),
    saltedBy: uuid().references(() => users.id),
    recordHead: text(),
    inputHash: text(),
    drawnAt: instant(),
    revealedAt: instant(),
    /** [{expertCode, rule, code, params}] computed at draw time. */
    exclusions: jsonb().$type<{ expertCode: string; rule: string; code: string; params: Record<string, string | number> }[]>(),
    shortfalls: jsonb().$type<{ specialty: string; wanted: number; available: number }[]>(),
    /** The eligible candidates the seed was applied to: [[expertCode, [specialty codes]]], for re-running the draw. */
    candidates: jsonb().$type<[string, string[]][]>(),
    /** SHA-256 of the signed draw record PDF (专家抽取记录) in the blob store. */
    recordPdfSha256: text(),
    /**
     * The steer-proof draw (ADR 027, docs/draw-proof.md): SHA-256 of the committed pool document (lines,
     * candidates, pseudonymised exclusions, salt parties, the seed commitment), recorded at the request before any
     * salt. Null for draws requested before migration 0016 (proof v1).
     */
    poolCommitment: text(),
    /** The exclusions as committed and published: [[pseudonym, rule, code]], sorted by pseudonym (re-screen additions are not in it). */
    poolExclusions: jsonb().$type<[string, string, string][]>(),
    /** The secret HMAC key of the exclusions' pseudonyms (32 random bytes, hex): never published, supervisors only. */
    pseudonymKey: text(),
    /** Who salts, from the rule profile at the request: ["supervisor"] or ["supervisor", "tendering_unit"]. */
    saltParties: jsonb().$type<("supervisor" | "tendering_unit")[]>(),
    /** Commit-then-reveal (more than one party): [[party, SHA-256 commitment]] in the order they came. */
    saltCommitments: jsonb().$type<[("supervisor" | "tendering_unit"), string][]>(),
    /** The revealed salts: [[party, salt]] in the order they came. */
    salts: jsonb().$type<[("supervisor" | "tendering_unit"), string][]>(),
    createdAt: createdAt(),
  },
  (t) => [index("draws_section_idx").on(t.sectionId)],
);

export const pickStatus = pgEnum("pick_status", ["invited", "standby", "confirmed", "declined", "timed_out", "replaced"]);

export const drawPicks = pgTable(
  "draw_picks",
  {
    id: id(),
    drawId: uuid()
      .notNull()
      .references(() => draws.id, { onDelete: "cascade" }),
    expertId: uuid()
      .notNull()
      .references(() => experts.id),
    specialty: text().notNull(),
    role: text().$type<"member" | "backup">().notNull(),
    order: integer().notNull(),
    status: pickStatus().notNull(),
    respondedAt: instant(),
    reason: text(),
  },
  (t) => [uniqueIndex("draw_picks_draw_expert_uq").on(t.drawId, t.expertId), index("draw_picks_expert_idx").on(t.expertId)],
);

export type Expert = typeof experts.$inferSelect;
export type Draw = typeof draws.$inferSelect;
