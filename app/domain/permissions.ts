import type { Role } from "./roles";

/**
 * Route-level permissions (the first of two authorisation layers; the second is queries
 * scoped to the actor's organisation in app/services). Pure, so the UI can ask too.
 */
export type Permission =
  | "admin:orgs"
  | "admin:users"
  | "admin:holidays"
  /** Review rooms and opening halls of the centre, and their bookings (ADR 015). */
  | "admin:rooms"
  | "tender:manage"
  | "tender:downloads:view"
  | "tender:answer"
  | "tender:obtain"
  | "tender:ask"
  | "tender:object"
  | "supervise:read"
  /** R53/R65: act as the supervising department — open and work cases, accept, refuse and decide complaints. */
  | "supervise:act"
  /** R53: complain to the supervising department after an objection of one's own. */
  | "complaint:file"
  | "record:read"
  | "pool:manage"
  | "draw:request"
  | "draw:salt"
  | "draw:reveal"
  | "draw:read-names"
  | "certificate:enroll"
  | "certificate:revoke"
  | "bid:submit"
  /** R24–R30: run the opening (decide R27 failures, answer objections, close the record). */
  | "opening:run"
  /** R24–R30: attend the opening as a bidder (check in, release the key, object, confirm). */
  | "opening:attend";

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: ["admin:orgs", "admin:users", "admin:holidays", "admin:rooms", "record:read", "pool:manage", "draw:reveal", "certificate:enroll", "certificate:revoke"],
  tendering_unit: ["tender:manage", "tender:downloads:view", "tender:answer", "draw:request", "certificate:enroll", "opening:run"],
  agency: ["tender:manage", "tender:downloads:view", "tender:answer", "draw:request", "certificate:enroll", "opening:run"],
  bidder: ["tender:obtain", "tender:ask", "tender:object", "complaint:file", "certificate:enroll", "bid:submit", "opening:attend"],
  expert: ["certificate:enroll"],
  // R36: supervisors may see the sealed list; the tender side and bidders may not.
  supervisor: ["supervise:read", "supervise:act", "tender:downloads:view", "record:read", "draw:salt", "draw:read-names", "certificate:enroll"],
};

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function hasPermission(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((r) => roleHasPermission(r, permission));
}
