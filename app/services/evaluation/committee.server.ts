import { and, eq, inArray, isNotNull, max } from "drizzle-orm";
import type { Tx } from "#db/client";
import { committeeMembers, drawPicks, draws, experts } from "#db/schema/index";

/**
 * Forms the committee of a section from its draws (R32, R35): every member pick that is confirmed or still
 * invited, with the expert's platform account, gets a seat. Seats are numbered in the order of the draw and never
 * reused (a replacement gets the next seat). Returns what was seated, for the record.
 */
export async function formCommittee(tx: Tx, sectionId: string, _now: Date): Promise<{ seats: number; experts: string[] }> {
  const picks = await tx
    .select({ pickId: drawPicks.id, expertId: drawPicks.expertId, code: experts.code, userId: experts.userId, order: drawPicks.order })
    .from(drawPicks)
    .innerJoin(draws, eq(draws.id, drawPicks.drawId))
    .innerJoin(experts, eq(experts.id, drawPicks.expertId))
    .where(and(eq(draws.sectionId, sectionId), inArray(draws.status, ["drawn", "revealed"]), eq(drawPicks.role, "member"), inArray(drawPicks.status, ["confirmed", "invited"]), isNotNull(experts.userId)))
    .orderBy(draws.createdAt, drawPicks.order);
  const [last] = await tx.select({ seat: max(committeeMembers.seat) }).from(committeeMembers).where(eq(committeeMembers.sectionId, sectionId));
  let seat = last?.seat ?? 0;
  const seatedCodes: string[] = [];
  for (const p of picks) {
    const [exists] = await tx.select({ id: committeeMembers.id }).from(committeeMembers).where(and(eq(committeeMembers.sectionId, sectionId), eq(committeeMembers.drawPickId, p.pickId)));
    if (exists) continue;
    await tx.insert(committeeMembers).values({ sectionId, kind: "expert", expertId: p.expertId, drawPickId: p.pickId, userId: p.userId!, seat: ++seat });
    seatedCodes.push(p.code);
  }
  return { seats: seatedCodes.length, experts: seatedCodes };
}
