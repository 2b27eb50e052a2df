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
    /**
     * Exclusions found after the request, by the re-screen once the bidders are known (R37, params.stage =
     * "rescreen"): [{expertCode, rule, code, params}]. The request's own screen is in `draw_pools.exclusions`.
     */
    exclusions: jsonb().$type<DrawExclusion[]>(),
    shortfalls: jsonb().$type<{ specialty: string; wanted: number; available: number }[]>(),
    /** SHA-256 of the signed draw record PDF (专家抽取记录) in the blob store. */
    recordPdfSha256: text(),
    /**
     * The steer-proof draw (ADR 027, docs/draw-proof.md): SHA-256 of the committed pool document (lines,
     * candidates, pseudonymised exclusions, salt parties, the seed commitment), recorded at the request before any
     * salt. Null for draws requested before migration 0016 (proof v1).
     */
    poolCommitment: text(),
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

/** One exclusion with its rule, code and parameters (supervisors only; expert-pool/exclusions.ts). */
export type DrawExclusion = { expertCode: string; rule: string; code: string; params: Record<string, string | number> };

/**
 * A draw's committed pool (ADR 027, ADR 030): written once, by the request, in the request's command, and never
 * changed — so that the later writes of the draw row (salts, the draw, the reveal) do not carry it, and the draw
 * locks its small row without reading the list. State-bound (ADR 028): a direct change is found by
 * `verify-record --state`, and by the draw's verification (docs/draw-proof.md §8).
 */
export const drawPools = pgTable("draw_pools", {
  drawId: uuid()
    .primaryKey()
    .references(() => draws.id, { onDelete: "cascade" }),
  /** The eligible candidates the seed is applied to: [[expertCode, [specialty codes]]], sorted by code (docs/draw-proof.md §3). */
  candidates: jsonb().$type<[string, string[]][]>().notNull(),
  /** The exclusions as committed and published: [[pseudonym, rule, code]], sorted by pseudonym. Null for proof v1 draws. */
  poolExclusions: jsonb().$type<[string, string, string][]>(),
  /** Every exclusion of the request's screen with its parameters, [{expertCode, rule, code, params}] (supervisors only). */
  exclusions: jsonb().$type<DrawExclusion[]>().notNull(),
  /** The number of candidates and of committed exclusions (pool_exclusions; 0 for proof v1), so the draw reads no list to count. */
  candidateCount: integer().notNull(),
  excludedCount: integer().notNull(),
  /**
   * For each line in draw order (sorted by specialty, docs/draw-proof.md §3), how many candidates match it. A draw of
   * one line that every candidate matches draws positions of the list and reads only the drawn entries (ADR 030).
   * Null for a row moved here by migration 0019 (the draw then reads the whole list).
   */
  lineCounts: jsonb().$type<number[]>(),
  /**
   * inputHash (docs/draw-proof.md §7.2) over the lines and the candidates, computed once at the request; null for a
   * row moved here by migration 0019 before its draw (the draw then computes it).
   */
  inputHash: text(),
});

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
export type DrawPool = typeof drawPools.$inferSelect;
