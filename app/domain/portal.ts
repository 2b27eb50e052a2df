/** What the public sees as a tender's state (computed from the announcement and the clock). */
export type PortalStatus = "bidding" | "closed" | "suspended" | "terminated";
export const PORTAL_STATUSES: PortalStatus[] = ["bidding", "closed", "suspended", "terminated"];

export function portalStatusOf(p: { status: "draft" | "published" | "suspended" | "terminated"; bidDeadline: Date }, now: Date): PortalStatus | "draft" {
  if (p.status === "published") return now < p.bidDeadline ? "bidding" : "closed";
  return p.status;
}
