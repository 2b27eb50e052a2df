import ExcelJS from "exceljs";
import { and, count, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { experts, expertSpecialties } from "#db/schema/index";
import { importExperts } from "#app/services/pool/expert-import.server";
import { forEachDriver } from "../helpers/db";
import { makeActor } from "../helpers/factories";

const HEADERS = ["专家编号", "姓名", "职称", "职称级别", "从业年限", "所在地区", "工作单位", "专业代码", "状态", "状态原因", "手机号码"];

async function xlsx(rows: unknown[][]): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("专家");
  ws.addRow(HEADERS);
  rows.forEach((r) => ws.addRow(r));
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

const csv = (rows: unknown[][]) => new TextEncoder().encode("\uFEFF" + [HEADERS, ...rows].map((r) => r.join(",")).join("\n"));

forEachDriver("expert import", (env) => {
  it("an .xlsx with one bad row is reported row by row and nothing is applied; fixed, it applies completely", async () => {
    const { app, driver } = env();
    const admin = await makeActor(app, "admin");
    const p = `${driver}X`;
    const good = (i: number) => [`${p}${i}`, `专家${i}`, "高级工程师", "正高级", 15, "黑龙江省大庆市", "大庆石油学院", "A0101;A0201", "在库", "", "13800138000"];
    const bad = [`${p}9`, "专家9", "工程师", "特级", "很多", "黑龙江省大庆市", "", "Z9999", "黑名单", "", "12345"];
    const noReason = [...good(5)];
    noReason[8] = "黑名单";
    const r1 = await importExperts(app, admin, { bytes: await xlsx([good(1), good(2), bad, noReason]), filename: "专家.xlsx" });
    expect(r1.ok).toBe(false);
    if (!r1.ok) {
      const fields = r1.errors.map((e) => `${e.row} ${e.field}:${e.code}`).sort();
      expect(fields).toEqual(["4 phone:phone", "4 titleLevel:titleLevel", "4 yearsExperience:integer", "5 statusReason:statusReasonRequired"]);
    }
    const [none] = await app.db.select({ n: count() }).from(experts).where(eq(experts.code, `${p}1`));
    expect(none!.n).toBe(0);

    const r2 = await importExperts(app, admin, { bytes: await xlsx([good(1), good(2), good(3)]), filename: "专家.xlsx" });
    expect(r2).toEqual({ ok: true, imported: 3, created: 3, updated: 0 });
    const [e1] = await app.db.select().from(experts).where(eq(experts.code, `${p}1`));
    expect(e1).toMatchObject({ name: "专家1", titleLevel: "senior", yearsExperience: 15, status: "active" });
    const specs = await app.db.select().from(expertSpecialties).where(eq(expertSpecialties.expertId, e1!.id));
    expect(specs.map((s) => s.code).sort()).toEqual(["A0101", "A0201"]);
  });

  it("experts.specialties, the draw's index of the pool, is the database's sorted copy of expert_specialties: after an import, a re-import and a direct SQL change", async () => {
    const { app, driver } = env();
    const admin = await makeActor(app, "admin");
    const code = `${driver}S1`;
    const row = (specs: string) => [code, "专家", "高级工程师", "正高级", 15, "黑龙江省大庆市", "大庆石油学院", specs, "在库", "", ""];
    const copy = async () => (await app.db.select({ id: experts.id, specialties: experts.specialties }).from(experts).where(eq(experts.code, code)))[0]!;
    expect(await importExperts(app, admin, { bytes: csv([row("B0101;A0201")]), filename: "pool.csv" })).toMatchObject({ ok: true, created: 1 });
    expect((await copy()).specialties).toEqual(["A0201", "B0101"]);
    expect(await importExperts(app, admin, { bytes: csv([row("A0101")]), filename: "pool.csv" })).toMatchObject({ ok: true, updated: 1 });
    const { id } = await copy();
    expect((await copy()).specialties).toEqual(["A0101"]);
    // Whoever writes the rows (here plain SQL, no application code), the copy follows.
    await app.db.insert(expertSpecialties).values([{ expertId: id, code: "B0102" }, { expertId: id, code: "A0201" }]);
    expect((await copy()).specialties).toEqual(["A0101", "A0201", "B0102"]);
    await app.db.update(expertSpecialties).set({ code: "B0101" }).where(and(eq(expertSpecialties.expertId, id), eq(expertSpecialties.code, "B0102")));
    expect((await copy()).specialties).toEqual(["A0101", "A0201", "B0101"]);
    await app.db.delete(expertSpecialties).where(eq(expertSpecialties.expertId, id));
    expect((await copy()).specialties).toEqual([]);
  });

  it("a CSV re-import updates by expert code; unknown specialties and duplicates are refused; only admins import", async () => {
    const { app, driver } = env();
    const admin = await makeActor(app, "admin");
    const p = `${driver}C`;
    const ok = await importExperts(app, admin, { bytes: csv([[`${p}1`, "张三", "教授", "正高级", 20, "黑龙江省哈尔滨市", "哈尔滨工业大学", "B0101", "在库", "", ""]]), filename: "pool.csv" });
    expect(ok).toEqual({ ok: true, imported: 1, created: 1, updated: 0 });
    const again = await importExperts(app, admin, { bytes: csv([[`${p}1`, "张三", "教授", "正高级", 21, "黑龙江省哈尔滨市", "哈尔滨工业大学", "B0102", "暂停", "年度考核不合格", ""]]), filename: "pool.csv" });
    expect(again).toEqual({ ok: true, imported: 1, created: 0, updated: 1 });
    const [e] = await app.db.select().from(experts).where(eq(experts.code, `${p}1`));
    expect(e).toMatchObject({ yearsExperience: 21, status: "suspended", statusReason: "年度考核不合格" });
    const bad = await importExperts(app, admin, {
      bytes: csv([
        [`${p}2`, "李四", "", "", 10, "大庆", "", "A9999", "", "", ""],
        [`${p}3`, "王五", "", "", 10, "大庆", "", "A0101", "", "", ""],
        [`${p}3`, "王五", "", "", 10, "大庆", "", "A0101", "", "", ""],
      ]),
      filename: "pool.csv",
    });
    expect(bad.ok ? [] : bad.errors).toEqual([
      { row: 2, field: "specialties", code: "unknownSpecialty" },
      { row: 4, field: "code", code: "duplicateInFile" },
    ]);
    const missing = await importExperts(app, admin, { bytes: new TextEncoder().encode("姓名,地区\n张三,大庆"), filename: "x.csv" });
    expect(missing).toEqual({ ok: false, errors: [], missingColumns: ["code", "yearsExperience", "region", "specialties"] });
    const bidder = await makeActor(app, "bidder");
    await expect(importExperts(app, bidder, { bytes: csv([]), filename: "pool.csv" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
