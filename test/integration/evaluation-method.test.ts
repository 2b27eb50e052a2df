import { eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { projects, recordEntries, sections } from "#db/schema/index";
import { parseMethodConfig } from "#app/domain/evaluation/method";
import { validateMethod } from "#app/domain/evaluation/validate";
import { defaultMethodConfig, methodFormValues } from "#app/domain/method-form";
import type { Actor } from "#app/services/platform/actor";
import { projectFormValues } from "#app/services/tendering/project-form.server";
import { addDocument, createProject, publishProject, updateProject } from "#app/services/tendering/tenders.server";
import { demoPdf } from "../../server/demo-pdf";
import { failure } from "../helpers/errors";
import { forEachDriver, type TestEnv } from "../helpers/db";
import { makeActor, projectForm } from "../helpers/factories";

/**
 * The evaluation method configured in the tender form, validated and frozen at publication (EV5, EV6, R46; issue 12
 * item 8): what the form sends becomes a MethodConfig in sections.evaluation; publication checks it against the
 * rules (validateMethod) and stores it with every default filled, so the review room renders what was published.
 */
forEachDriver("evaluation method at publication", (env) => {
  const draft = async (e: TestEnv, owner: Actor, over: Record<string, unknown>) => {
    const id = await createProject(e.app, owner, await projectForm(e.app, over));
    const stored = await e.app.blobs.put(demoPdf(["method"]));
    await addDocument(e.app, owner, id, { filename: "招标文件.pdf", contentType: "application/pdf", ...stored });
    return id;
  };
  const stored = async (e: TestEnv, projectId: string) =>
    (await e.app.db.select({ evaluation: sections.evaluation, status: sections.status }).from(sections).where(eq(sections.projectId, projectId)).orderBy(sections.seq));

  // A ZTB comprehensive method as the form sends it: a two-level tree, a trimming table, the linear deviation formula.
  const comprehensive = {
    code: "01",
    title: "施工",
    ceilingPriceYuan: "9900000",
    bondYuan: "100000",
    method: "ZTB_COMPREHENSIVE",
    shownKind: "ZTB_COMPREHENSIVE",
    total: "100",
    review: [
      { code: "F1", stage: "form", label: "投标函签字盖章" },
      { stage: "qualification", label: "施工总承包二级及以上资质" },
      { stage: "responsiveness", label: "工期不超过 365 日历天" },
    ],
    criteria: [
      { level: "1", group: "business", label: "商务部分", max: "" },
      { level: "2", label: "类似工程业绩", mode: "fixed", max: "10", options: "10/6/0", objective: "on" },
      { level: "1", group: "technical", label: "施工组织设计", mode: "range", max: "30", low: "10", high: "30" },
      { level: "1", group: "price", label: "投标报价", mode: "formula", max: "60" },
    ],
    benchmark: { source: "trimmed_mean", factor: "K", factorValue: "0.97", priceBasis: "bid" },
    trim: [
      { minN: "0", maxN: "4", dropHigh: "0", dropLow: "0" },
      { minN: "5", dropHigh: "1", dropLow: "1" },
    ],
    priceScore: { kind: "linear_deviation", E1: "2", E2: "1", maxDeduction: "" },
    tieChain: ["price_asc", "tenderer_decides"],
  };

  it("EV5/EV6: a section published from the form's fields stores a valid MethodConfig, frozen with its defaults", async () => {
    const e = env();
    const tu = await makeActor(e.app, "tendering_unit");
    const id = await draft(e, tu, { sections: [comprehensive] });
    await publishProject(e.app, tu, id);
    const [s] = await stored(e, id);
    expect(s!.status).toBe("published");
    const config = parseMethodConfig(s!.evaluation);
    // Stored exactly as parsed (every default filled in): a later change of the code's defaults changes nothing (EV6).
    expect(config).toEqual(s!.evaluation);
    expect(validateMethod(config, { category: "construction" })).toEqual([]);
    expect(config.kind).toBe("ZTB_COMPREHENSIVE");
    if (config.kind !== "ZTB_COMPREHENSIVE") throw new Error("kind");
    expect(config.criteria.map((c) => [c.id, c.group, c.max])).toEqual([
      ["B1", "business", "10"],
      ["T1", "technical", "30"],
      ["P1", "price", "60"],
    ]);
    expect(config.criteria[0]!.children).toEqual([{ id: "B2", label: "类似工程业绩", max: "10", mode: "fixed", objective: true, options: ["10", "6", "0"] }]);
    expect(config.benchmark).toEqual({ source: "trimmed_mean", trim: [{ minN: 0, maxN: 4, dropHigh: 0, dropLow: 0 }, { minN: 5, dropHigh: 1, dropLow: 1 }], factor: { kind: "K", value: "0.97" }, priceBasis: "bid" });
    expect(config.priceScore).toEqual({ kind: "linear_deviation", full: "60", E1: "2", E2: "1" });
    expect(config.review.map((r) => `${r.id}:${r.stage}`)).toEqual(["F1:form", "Q1:qualification", "S1:responsiveness"]);
    expect(config.tieBreak.chain).toEqual(["price_asc", "tenderer_decides"]);
    expect(config.corrections.order).toBe("ZTB");
    // Frozen: a published tender's form can no longer be saved (only an amendment changes it, R17).
    expect((await failure(updateProject(e.app, tu, id, await projectForm(e.app, { sections: [{ ...comprehensive, method: "ZTB_LOWEST_EVALUATED" }] }))))?.code).toBe("INVALID_STATE");
    expect(parseMethodConfig((await stored(e, id))[0]!.evaluation)).toEqual(config);
  });

  it("a saved draft opens in the form with the same fields, and saves back unchanged", async () => {
    const e = env();
    const tu = await makeActor(e.app, "tendering_unit");
    const id = await draft(e, tu, { sections: [comprehensive] });
    const before = parseMethodConfig((await stored(e, id))[0]!.evaluation);
    const loaded = await projectFormValues(e.app.db, tu, id);
    const section = loaded!.values.sections[0]!;
    expect(section).toMatchObject(methodFormValues(before));
    const { code, title, bondYuan } = section;
    await updateProject(e.app, tu, id, await projectForm(e.app, { code: loaded!.values.code, sections: [{ ...methodFormValues(before), code, title, bondYuan }] }));
    expect(parseMethodConfig((await stored(e, id))[0]!.evaluation)).toEqual(before);
  });

  it("R46/EV2: a ZFCG goods method with a price share under 30 % cannot be published; nothing changes", async () => {
    const e = env();
    const tu = await makeActor(e.app, "tendering_unit");
    const id = await draft(e, tu, {
      regime: "ZFCG",
      category: "goods",
      sections: [
        {
          code: "1包",
          title: "设备",
          bondYuan: "1000",
          method: "ZFCG_COMPREHENSIVE",
          shownKind: "ZFCG_COMPREHENSIVE",
          total: "100",
          criteria: [
            { level: "1", group: "technical", label: "技术", mode: "range", max: "80" },
            { level: "1", group: "price", label: "价格", mode: "formula", max: "20" },
          ],
          review: [{ stage: "compliance", label: "★条款均已响应" }],
          policyDeductions: [{ label: "小微企业", pct: "10" }],
          sameBrand: "on",
        },
      ],
    });
    const err = await failure(publishProject(e.app, tu, id));
    expect(err?.code).toBe("RULE_VIOLATION");
    expect(err?.violations.map((v) => [v.rule, v.code, v.params])).toEqual([["R46", "RULE_R46_ZFCG_PRICE_SHARE", { share: "20", min: 30 }]]);
    const [p] = await e.app.db.select().from(projects).where(eq(projects.id, id));
    expect(p!.status).toBe("draft");
    const actions = (await e.app.db.select({ action: recordEntries.action }).from(recordEntries).where(eq(recordEntries.subjectId, id))).map((r) => r.action);
    expect(actions).not.toContain("project.publish");
  });

  it("a draft saved by the earlier form (the simple spec) is converted and frozen as a MethodConfig at publication", async () => {
    const e = env();
    const tu = await makeActor(e.app, "tendering_unit");
    const id = await draft(e, tu, {});
    const legacy = {
      method: "comprehensive",
      priceFormula: "lowest_over_price",
      criteria: [
        { code: "C1", name: "价格", kind: "price", weight: 60, max: 60 },
        { code: "C2", name: "技术", kind: "technical", weight: 40, max: 40 },
      ],
    };
    await e.app.db.execute(sql`update sections set evaluation = ${JSON.stringify(legacy)}::jsonb where project_id = ${id}::uuid`);
    await publishProject(e.app, tu, id);
    const config = parseMethodConfig((await stored(e, id))[0]!.evaluation);
    expect(config.kind).toBe("ZTB_COMPREHENSIVE");
    expect(config.criteria.map((c) => [c.id, c.group, c.mode, c.max])).toEqual([
      ["C1", "price", "formula", "60"],
      ["C2", "technical", "range", "40"],
    ]);
  });

  it("a method of the other regime is refused on its field by the form schema; a section without method fields gets the regime default", async () => {
    const e = env();
    await expect(projectForm(e.app, { sections: [{ code: "01", title: "施工", method: "ZFCG_LOWEST" }] })).rejects.toThrow(/methodRegime/);
    // The regime's default method is what a section without method fields gets (R46 passes: nothing scored).
    const tu = await makeActor(e.app, "tendering_unit");
    const id = await draft(e, tu, {});
    await publishProject(e.app, tu, id);
    expect(parseMethodConfig((await stored(e, id))[0]!.evaluation)).toEqual(defaultMethodConfig("ZTB_LOWEST_EVALUATED"));
  });
});
