import type { Role } from "./roles";

/**
 * Route-level permissions (the first of two authorisation layers; the second is queries
 * scoped to the actor's organisation in app/services). Pure, so the UI can ask too.
 */
export type Permission =
  | "admin:orgs"
  | "admin:users"
  | "admin:holidays"
  | "tender:manage"
  | "tender:downloads:view"
  | "tender:answer"
  | "tender:obtain"
  | "tender:ask"
  | "tender:object"
  | "supervise:read"
  | "record:read";

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: ["admin:orgs", "admin:users", "admin:holidays", "record:read"],
  tendering_unit: ["tender:manage", "tender:downloads:view", "tender:answer"],
  agency: ["tender:manage", "tender:downloads:view", "tender:answer"],
  bidder: ["tender:obtain", "tender:ask", "tender:object"],
  expert: [],
  supervisor: ["supervise:read", "tender:downloads:view", "record:read"],
};

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function hasPermission(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((r) => roleHasPermission(r, permission));
}
