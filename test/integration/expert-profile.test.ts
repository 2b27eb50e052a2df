import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { experts, expertRelationships } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { addDeclaration, expertProfile, removeDeclaration, setExpertStatus } from "#app/services/pool/expert-profile.server";
import { forEachDriver } from "../helpers/db";
import { insertExperts, makeActor } from "../helpers/factories";

const code = (p: Promise<unknown>) => p.then(() => "ok", (e: unknown) => (e instanceof DomainError ? e.code : String(e)));

forEachDriver("expert profile and declarations", (env) => {
  it("an expert declares its own relationships and availability; an admin sets status with a reason; others cannot", async () => {
    const { app, driver } = env();
    const me = await makeActor(app, "expert");
    const other = await makeActor(app, "expert");
    const admin = await makeActor(app, "admin");
    const bidder = await makeActor(app, "bidder");
    const ids = await insertExperts(app, [{ code: `${driver}-P1`, specialties: ["A0101"], userId: me.user!.id }]);
    const id = ids.get(`${driver}-P1`)!;
    await addDeclaration(app, me, "me", { type: "relationship", kind: "shareholding", orgName: "某投标单位", orgCode: "91230100MA1ABCDE1F", fromDate: "2024-01-01", note: "持股5%" });
    await addDeclaration(app, me, "me", { type: "unavailability", fromDate: "2026-12-01", toDate: "2026-12-05", reason: "出差" });
    const mine = await expertProfile(app.db, me, "me");
    expect(mine.expert.code).toBe(`${driver}-P1`);
    expect(mine.relationships.map((r) => r.orgName)).toEqual(["某投标单位"]);
    expect(mine.unavailability).toHaveLength(1);
    expect(Object.keys(mine.expert)).not.toContain("userId");
    // Another expert has no record of its own here and cannot reach this one.
    expect(await code(expertProfile(app.db, other, "me"))).toBe("NOT_FOUND");
    expect(await code(removeDeclaration(app, other, "me", "relationship", mine.relationships[0]!.id))).toBe("NOT_FOUND");
    expect(await code(expertProfile(app.db, bidder, id))).toBe("FORBIDDEN");
    // Admin: status needs the permission; the profile is the same data.
    expect(await code(setExpertStatus(app, bidder, id, { status: "suspended", reason: "x", punished: false }))).toBe("FORBIDDEN");
    await setExpertStatus(app, admin, id, { status: "suspended", reason: "年度考核不合格", punished: false });
    const [e] = await app.db.select().from(experts).where(eq(experts.id, id));
    expect(e).toMatchObject({ status: "suspended", statusReason: "年度考核不合格" });
    await removeDeclaration(app, me, "me", "relationship", mine.relationships[0]!.id);
    expect(await app.db.select().from(expertRelationships).where(eq(expertRelationships.expertId, id))).toHaveLength(0);
  });
});
