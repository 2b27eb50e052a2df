import { describe, expect, it } from "vitest";
import { hasPermission, roleHasPermission, type Permission } from "#app/domain/permissions";
import { ROLES, type Role } from "#app/domain/roles";

/** The role × permission matrix (route-level authorisation, the first of two layers). */
const MATRIX: Record<Permission, Role[]> = {
  "admin:orgs": ["admin"],
  "admin:users": ["admin"],
  "admin:holidays": ["admin"],
  "admin:rooms": ["admin"],
  "tender:manage": ["tendering_unit", "agency"],
  "tender:downloads:view": ["tendering_unit", "agency", "supervisor"],
  "tender:answer": ["tendering_unit", "agency"],
  "tender:obtain": ["bidder"],
  "tender:ask": ["bidder"],
  "tender:object": ["bidder"],
  "supervise:read": ["supervisor"],
  "supervise:act": ["supervisor"],
  "complaint:file": ["bidder"],
  "record:read": ["admin", "supervisor"],
  "pool:manage": ["admin"],
  "draw:request": ["tendering_unit", "agency"],
  "draw:salt": ["supervisor"],
  "draw:reveal": ["admin"],
  "draw:read-names": ["supervisor"],
  "certificate:enroll": ["admin", "tendering_unit", "agency", "bidder", "expert", "supervisor"],
  "certificate:revoke": ["admin"],
  "bid:submit": ["bidder"],
  "opening:run": ["tendering_unit", "agency"],
  "opening:attend": ["bidder"],
};

describe("permissions", () => {
  for (const [permission, allowed] of Object.entries(MATRIX) as [Permission, Role[]][]) {
    for (const role of ROLES) {
      const expected = allowed.includes(role);
      it(`${role} ${expected ? "may" : "may not"} ${permission}`, () => {
        expect(roleHasPermission(role, permission)).toBe(expected);
      });
    }
  }
  it("R9: no bidder or expert may view who obtained the documents", () => {
    expect(hasPermission(["bidder", "expert"], "tender:downloads:view")).toBe(false);
  });
  it("the public (no roles) has no permission at all", () => {
    for (const p of Object.keys(MATRIX) as Permission[]) expect(hasPermission([], p)).toBe(false);
  });
});
