/** The roles of docs/product.md §1 (mirrors the `role` enum in db/schema/accounts.ts). */
export const ROLES = ["admin", "tendering_unit", "agency", "bidder", "expert", "supervisor"] as const;
export type Role = (typeof ROLES)[number];

/** Which organisation kinds may hold a role. */
export const ORG_KINDS = ["centre", "tendering_unit", "agency", "bidder", "supervisor", "expert"] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export const ROLE_FOR_ORG_KIND: Record<OrgKind, readonly Role[]> = {
  centre: ["admin"],
  tendering_unit: ["tendering_unit"],
  agency: ["agency"],
  bidder: ["bidder"],
  supervisor: ["supervisor"],
  expert: ["expert"],
};
