import { count, eq, max } from "drizzle-orm";
import { bids, experts, openingKeys, organisations, projects, sections, tenderDocuments, users } from "#db/schema/index";
import { SPECIALTY_TREE } from "#app/domain/specialties-data";
import { importExperts } from "#app/services/pool/expert-import.server";
import { withCheckChar } from "#app/domain/credit-code";
import { ProjectFormSchema } from "#app/domain/tender-form";

/** Raw form input, as a browser would post it (strings). */
type ProjectFormInput = Record<string, unknown> & { bidDeadline: string };
import { actorForUser } from "#app/services/accounts/auth.server";
import { createOrganisation, createUser, registerBidder } from "#app/services/accounts/accounts.server";
import { runCommand } from "#app/services/platform/command.server";
import type { AppContext } from "#app/services/platform/context.server";
import { systemActor, type Actor } from "#app/services/platform/actor";
import {
  addDocument,
  answerObjection,
  answerQuestion,
  askQuestion,
  createProject,
  fileObjection,
  obtainDocument,
  publishProject,
} from "#app/services/tendering/tenders.server";
import { ZTB_PROFILE } from "#app/domain/rules/profiles";
import { demoPdf } from "./demo-pdf";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildCsr, buildPkcs12, certInfo } from "#crypto/certs";
import { generateUserKeyPair } from "#crypto/keys";
import { enrollCertificate } from "#app/services/platform/certificates.server";
import { closeOpening, confirmRecord, openHall, scheduleOpening } from "#app/services/opening/opening.server";
import { bidFormBytes, checkInAndRelease, sealAndSubmit, type SealingHolder } from "./demo-bids";
import { seedRooms } from "./demo-rooms";
import { DEMO_COMMITTEE_SPECIALTY, seedEvaluation } from "./demo-evaluation";
import { DEMO_RESULTS_SECTIONS, seedResults } from "./demo-results";
import { backdateObjection, openDemoCase, settleSupervision } from "./demo-supervision";

/**
 * DEMO ONLY: a certificate for a demo user, enrolled exactly as the browser does, with its
 * PKCS#12 file written to DATA_DIR/demo-certs/<username>.p12 (passphrase = the demo
 * password) so the demo can be tried without enrolling first. Real users' keys never
 * touch the server (docs/product.md §3.2).
 */
async function demoCertificate(app: AppContext, actor: Actor, username: string, keyPair: ReturnType<typeof generateUserKeyPair> = generateUserKeyPair()): Promise<SealingHolder> {
  const keys = await keyPair;
  const issued = await enrollCertificate(app, actor, buildCsr(keys, username));
  const dir = path.join(app.config.dataDir, "demo-certs");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir, `${username}.p12`), buildPkcs12({ ...keys, certPem: issued.certPem, chainPem: issued.chainPem, passphrase: DEMO_PASSWORD, friendlyName: `Tenderhall demo ${username}` }), { mode: 0o600 });
  return { certificateId: issued.id, fingerprint: certInfo(issued.certPem).fingerprint, ...keys };
}

/** Demo credentials: development data only, printed at start and listed in the README. */
export const DEMO_PASSWORD = "demo12345";

export type DemoLogin = { role: string; username: string; password: string; org: string };

/** The demo logins and where their certificates are, printed once after seeding (development data only). */
export function printDemoLogins(logins: DemoLogin[], dataDir: string): void {
  console.log("\nDemo trading centre seeded. Demo logins (development data only):");
  for (const l of logins) console.log(`  ${l.role.padEnd(15)} ${l.username.padEnd(14)} ${l.password}   ${l.org}`);
  console.log(`Demo certificates (PKCS#12, passphrase ${DEMO_PASSWORD}): ${path.join(dataDir, "demo-certs")}/<username>.p12\n`);
}

/**
 * Seeds a demo trading centre once (when no organisation exists): organisations and a user
 * for every role, and tenders in several states — all through the command layer, so the
 * record holds every step. Returns the demo logins, or null when already seeded.
 */
export async function seedDemo(app: AppContext, opts: { now?: Date } = {}): Promise<{ logins: DemoLogin[] } | null> {
  const [existing] = await app.db.select({ n: count() }).from(organisations);
  if ((existing?.n ?? 0) > 0) return null;
  const sys = systemActor();
  const logins: DemoLogin[] = [];
  // Every demo user's key pair (WebCrypto RSA, made in the thread pool) is started at once, so the key generation runs
  // beside the seed's database work instead of one after another (first start, docs/decisions/023).
  const DEMO_KEY_HOLDERS = 13; // the non-admin users made below (mk) and the three bidders
  const keyPool = Array.from({ length: DEMO_KEY_HOLDERS }, () => generateUserKeyPair());
  keyPool.forEach((k) => k.catch(() => {}));
  const nextKeys = () => keyPool.shift() ?? generateUserKeyPair();
  const mk = async (org: { name: string; kind: Parameters<typeof createOrganisation>[2]["kind"]; region: string; creditCode?: string } | { orgId: string; name: string }, username: string, displayName: string, role: Parameters<typeof createUser>[2]["role"]) => {
    const orgId = "orgId" in org ? org.orgId : await createOrganisation(app, sys, { ...org, contactName: displayName, contactPhone: "0459-1234567" });
    const userId = await createUser(app, sys, { username, displayName, password: DEMO_PASSWORD, orgId, role });
    logins.push({ role, username, password: DEMO_PASSWORD, org: org.name });
    const actor = await actorForUser(app.db, userId, "127.0.0.1", "seed");
    // Key custodians need certificates before a tender can be published (opening-key shares); experts enter a review
    // room with theirs (R41).
    if (role !== "admin") await demoCertificate(app, actor, username, nextKeys());
    return { orgId, userId, actor };
  };

  const centre = await mk({ name: "大庆市公共资源交易中心", kind: "centre", region: "黑龙江省大庆市" }, "admin", "系统管理员", "admin");
  // The centre's 21 closed review rooms and 5 opening halls (issue 12 item 1; server/demo-rooms.ts).
  await seedRooms(app, centre.actor);
  const tu = await mk({ name: "大庆市第一中学", kind: "tendering_unit", region: "黑龙江省大庆市", creditCode: withCheckChar("12230600MB1234567") }, "tenderer", "王招标", "tendering_unit");
  const tu2 = await mk({ name: "大庆市教育局", kind: "tendering_unit", region: "黑龙江省大庆市", creditCode: withCheckChar("11230600MB7654321") }, "purchaser", "刘采购", "tendering_unit");
  const ag = await mk({ name: "黑龙江诚信招标代理有限公司", kind: "agency", region: "黑龙江省哈尔滨市", creditCode: withCheckChar("91230100MA1ABCDE1") }, "agent", "李代理", "agency");
  const sup = await mk({ name: "大庆市住房和城乡建设局", kind: "supervisor", region: "黑龙江省大庆市" }, "supervisor", "赵监督", "supervisor");
  // The `expert` login is pool expert E0001 (seedExperts links them): the same person, the same name.
  const expertUser = await mk({ name: "大庆石油学院", kind: "expert", region: "黑龙江省大庆市" }, "expert", demoExpertName(0), "expert");
  // The demo committee (tender 8): `expert2`…`expert5` are pool experts E0002–E0005, at their pool entries' employers.
  const expertUsers = [expertUser];
  for (const [i, org] of ["东北石油大学", "大庆市建筑设计研究院", "哈尔滨工业大学"].entries()) {
    expertUsers.push(await mk({ name: org, kind: "expert", region: "黑龙江省大庆市" }, `expert${i + 2}`, demoExpertName(i + 1), "expert"));
  }
  expertUsers.push(await mk({ orgId: expertUser.orgId, name: "大庆石油学院" }, "expert5", demoExpertName(4), "expert"));
  const bidders: Actor[] = [];
  const bidderKeys: SealingHolder[] = [];
  for (const [i, b] of [
    ["黑龙江龙建路桥建设有限公司", "bidder1", "陈投标"],
    ["大庆油田建设集团有限责任公司", "bidder2", "周投标"],
    ["哈尔滨华安建筑工程有限公司", "bidder3", "吴投标"],
  ].entries()) {
    const userId = await registerBidder(app, sys, {
      org: { name: b[0]!, region: "黑龙江省", creditCode: withCheckChar(`91230${i}00MA1XYW00${i}`), contactName: b[2]!, contactPhone: "0451-8888888" },
      user: { username: b[1]!, displayName: b[2]!, password: DEMO_PASSWORD },
    });
    logins.push({ role: "bidder", username: b[1]!, password: DEMO_PASSWORD, org: b[0]! });
    // Each demo bidder seals from its own address (documentation range, RFC 5737), so the R23 same-IP alert fires
    // only where the demo stages it (step 10).
    const actor = await actorForUser(app.db, userId, `192.0.2.${11 + i}`, "seed");
    bidderKeys.push(await demoCertificate(app, actor, b[1]!, nextKeys()));
    bidders.push(actor);
  }

  const now = opts.now ?? new Date();
  const at = (days: number, hhmm: string) => {
    const d = new Date(now.getTime() + days * 86400_000 + 8 * 3600_000);
    return `${d.toISOString().slice(0, 10)}T${hhmm}`;
  };
  const base = (code: string, title: string, over: Record<string, unknown>): ProjectFormInput => ({
    code,
    title,
    regime: "ZTB",
    mustTender: "on",
    category: "construction",
    region: "黑龙江省大庆市",
    location: "大庆市萨尔图区",
    description: `${title}。招标范围：施工图范围内的全部工程内容。`,
    fundingSource: "财政资金",
    estimateYuan: "12000000",
    contactName: "王招标",
    contactPhone: "0459-1234567",
    obtainMethod: "在本平台免费下载电子招标文件，无需报名。",
    qualification: "具备建筑工程施工总承包二级及以上资质，具有有效的安全生产许可证。",
    documentsFrom: at(0, "00:00"),
    documentsUntil: at(10, "17:00"),
    questionDeadline: at(12, "17:00"),
    bidDeadline: at(25, "09:30"),
    decryptionWindowMinutes: "60",
    reviewRoom: "第3评标室",
    keyModel: "bidder_with_custodian_fallback",
    keyThreshold: "2",
    custodians: ["tendering_unit", "agency", "supervisor"],
    sections: [
      {
        code: "01",
        title: "施工标段",
        ceilingPriceYuan: "11800000",
        bondYuan: "200000",
        // The method's criteria as the tender form sends them (app/domain/method-form.ts); the rest takes the method's defaults.
        method: "ZTB_COMPREHENSIVE",
        criteria: [
          { level: "1", group: "price", label: "投标报价", mode: "formula", max: "40" },
          { level: "1", group: "technical", label: "施工组织设计", mode: "range", max: "35" },
          { level: "1", group: "technical", label: "项目管理机构", mode: "range", max: "15" },
          { level: "1", group: "business", label: "企业业绩与信誉", mode: "range", max: "10" },
        ],
      },
    ],
    ...over,
  });
  const create = async (actor: Actor, input: ProjectFormInput) => {
    const form = ProjectFormSchema.parse(input);
    const id = await createProject(app, actor, form);
    const pdf = demoPdf([`Tender documents ${form.code}`, "Tenderhall demo document", `Bid deadline ${input.bidDeadline} (UTC+8)`]);
    const stored = await app.blobs.put(pdf);
    await addDocument(app, actor, id, { filename: `${form.code}-招标文件.pdf`, contentType: "application/pdf", ...stored });
    return id;
  };

  // 1. Bidding: a school building (ZTB, agency-run), documents obtained, a question answered.
  const p1 = await create(tu.actor, base("DQ-2026-JS-0101", "大庆市第一中学教学楼改扩建工程施工招标", { agencyId: ag.orgId }));
  await publishProject(app, tu.actor, p1);
  const [doc1] = await app.db.select().from(tenderDocuments).where(eq(tenderDocuments.projectId, p1));
  for (const b of bidders) await obtainDocument(app, b, p1, doc1!.id);
  const q = await askQuestion(app, bidders[0]!, p1, "招标文件第三章工程量清单中的外墙保温做法与图纸不一致，以哪个为准？");
  await answerQuestion(app, ag.actor, q, "以施工图设计说明为准，工程量清单将在澄清文件中同步修正。");

  // 2. Bidding: government procurement of goods in two lots (ZFCG).
  const p2 = await create(
    tu2.actor,
    base("DQ-2026-CG-0207", "大庆市智慧校园信息化设备采购项目", {
      regime: "ZFCG",
      category: "goods",
      estimateYuan: "3600000",
      fundingSource: "财政预算资金",
      description: "采购交互式智能黑板、录播系统及校园网络设备，含安装调试与三年质保。",
      qualification: "具有独立承担民事责任的能力；参加政府采购活动前三年内无重大违法记录。",
      bidDeadline: at(28, "09:00"),
      sections: [
        {
          code: "1包",
          title: "交互式智能黑板",
          ceilingPriceYuan: "2000000",
          bondYuan: "20000",
          method: "ZFCG_COMPREHENSIVE",
          criteria: [
            { level: "1", group: "price", label: "价格", mode: "formula", max: "30" },
            { level: "1", group: "technical", label: "技术参数响应", mode: "range", max: "50" },
            { level: "1", group: "business", label: "售后服务", mode: "range", max: "20" },
          ],
        },
        { code: "2包", title: "校园网络设备", ceilingPriceYuan: "1500000", bondYuan: "15000", method: "lowest_evaluated_price", criteria: [] },
      ],
    }),
  );
  await publishProject(app, tu2.actor, p2);

  // 3. Suspended: an objection to the documents awaits its answer (R11).
  const p3 = await create(tu.actor, base("DQ-2026-JS-0315", "大庆市第一中学体育馆维修改造工程", { estimateYuan: "4800000", bidDeadline: at(30, "09:30"), sections: [{ code: "01", title: "施工", ceilingPriceYuan: "4700000", bondYuan: "90000", method: "lowest_evaluated_price", criteria: [] }] }));
  await publishProject(app, tu.actor, p3);
  const objection3 = await fileObjection(app, bidders[1]!, p3, "招标文件要求的“近三年获得省级优质工程奖”资格条件具有排他性，请求修改。");
  // Electronic supervision (R65): the answer's limit is 90 % used — the section shows a yellow light.
  await backdateObjection(app, sys, objection3, 0.9);

  // 4. Draft: not yet public.
  await create(tu.actor, base("DQ-2026-JS-0420", "大庆市第一中学食堂改造工程（草稿）", { bidDeadline: at(35, "09:30") }));

  // 5. Closed: the whole opening through the real commands — the bidders obtain the documents and seal their bids,
  //    the deadline passes (the demo timeline is moved back), the hall opens, each bidder checks in with its
  //    certificate and decrypts its own bid, the 唱标 is read, the bidders confirm it and the tendering unit closes
  //    the opening, which issues the signed opening record (开标记录表).
  //    Bidder-only key model (no custodian fallback: no opening key to generate and split).
  const p5 = await create(tu.actor, base("DQ-2026-JS-0088", "大庆市第一中学校园道路硬化工程", { estimateYuan: "5600000", keyModel: "bidder", sections: [{ code: "01", title: "施工", ceilingPriceYuan: "5500000", bondYuan: "100000", method: "lowest_evaluated_price", criteria: [] }] }));
  await publishProject(app, tu.actor, p5);
  const closed = await sealDemoBids(app, bidders, bidderKeys, p5, [
    { priceYuan: "5386000.00", durationDays: "120", quality: "合格", projectManager: "李振国" },
    { priceYuan: "5412500.00", durationDays: "110", quality: "合格", projectManager: "王立新" },
    { priceYuan: "5298760.50", durationDays: "125", quality: "合格", projectManager: "张海燕" },
  ]);
  await fastForwardDeadline(app, sys, p5);
  await openHall(app, closed.sectionId);
  for (const [i, b] of bidders.entries()) await checkInAndRelease(app, b, bidderKeys[i]!, closed.sectionId, closed.rawKeys[i]!);
  for (const b of bidders) await confirmRecord(app, b, closed.sectionId);
  await closeOpening(app, tu.actor, closed.sectionId);

  // 6. Late stage: published 9 days ago, deadline in 12 days — left for the demo user (and the foundation e2e test):
  //    an amendment that affects bid preparation, issued now, extends the deadline to at least 15 days after it (R10),
  //    and the bidder who obtained the documents is told.
  const day = 86400_000;
  const late = await importHistoric(app, sys, ag.actor, {
    code: "DQ-2026-SZ-0133",
    title: "大庆市第一中学室外供热管网改造工程",
    publishedAt: new Date(now.getTime() - 9 * day),
    bidDeadline: new Date(Date.parse(`${at(12, "09:30")}:00+08:00`)),
    agencyId: ag.orgId,
    tenderingUnitId: tu.orgId,
  });
  const [lateDoc] = await app.db.select().from(tenderDocuments).where(eq(tenderDocuments.projectId, late));
  await obtainDocument(app, bidders[1]!, late, lateDoc!.id);
  // 7. Opening now: three bids sealed with the demo bidders' certificates, the deadline just passed, the hall
  //    open in its decryption window (bidders check in and decrypt with their demo PKCS#12 files at /tenders/…/opening).
  const p7 = await create(tu.actor, base("DQ-2026-JS-0466", "大庆市第一中学图书馆改造工程", { agencyId: ag.orgId, estimateYuan: "3900000", sections: [{ code: "01", title: "施工", ceilingPriceYuan: "3850000", bondYuan: "70000", method: "lowest_evaluated_price", criteria: [] }] }));
  await publishProject(app, tu.actor, p7);
  const opening7 = await sealDemoBids(app, bidders, bidderKeys, p7, [
    { priceYuan: "3765000.00", durationDays: "210", quality: "合格", projectManager: "赵立新" },
    { priceYuan: "3712800.00", durationDays: "200", quality: "合格", projectManager: "钱国庆" },
    { priceYuan: "3798000.00", durationDays: "215", quality: "合格", projectManager: "孙振华" },
  ]);
  await fastForwardDeadline(app, sys, p7);
  await openHall(app, opening7.sectionId);

  // 8. Evaluating: a supervision (监理) tender whose opening closed with three decrypted bids, and whose evaluation is
  //    open in the booked review room PB-03 (stage `entry`): the committee of the five demo experts was drawn for it
  //    with the demo supervisor's salt and confirmed (server/demo-evaluation.ts). Each of `expert`…`expert5` enters
  //    at /evaluations/… with its demo PKCS#12 file; the supervisor watches read-only (R42).
  const p8 = await create(
    tu.actor,
    base("DQ-2026-JL-0521", "大庆市第一中学学生宿舍楼新建工程施工监理", {
      agencyId: ag.orgId,
      category: "services",
      estimateYuan: "860000",
      description: "大庆市第一中学学生宿舍楼新建工程施工阶段全过程监理及保修阶段服务。",
      qualification: "具备房屋建筑工程监理乙级及以上资质，拟派总监理工程师具有注册监理工程师执业资格。",
      keyModel: "bidder",
      sections: [
        {
          code: "01",
          title: "施工监理",
          ceilingPriceYuan: "850000",
          bondYuan: "17000",
          method: "ZTB_COMPREHENSIVE",
          criteria: [
            { level: "1", group: "price", label: "投标报价", mode: "formula", max: "30" },
            { level: "1", group: "technical", label: "监理大纲", mode: "range", max: "40" },
            { level: "1", group: "technical", label: "总监理工程师及监理机构", mode: "range", max: "20" },
            { level: "1", group: "business", label: "企业业绩与信誉", mode: "range", max: "10" },
          ],
        },
      ],
    }),
  );
  await publishProject(app, tu.actor, p8);
  const opened8 = await sealDemoBids(app, bidders, bidderKeys, p8, [
    { priceYuan: "798000.00", durationDays: "540", quality: "合格", projectManager: "刘志远" },
    { priceYuan: "826500.00", durationDays: "540", quality: "合格", projectManager: "孙建华" },
    { priceYuan: "812300.00", durationDays: "540", quality: "合格", projectManager: "高明辉" },
  ]);
  await fastForwardDeadline(app, sys, p8);
  await openHall(app, opened8.sectionId);
  for (const [i, b] of bidders.entries()) await checkInAndRelease(app, b, bidderKeys[i]!, opened8.sectionId, opened8.rawKeys[i]!);
  for (const b of bidders) await confirmRecord(app, b, opened8.sectionId);
  await closeOpening(app, tu.actor, opened8.sectionId);

  await seedExperts(app, expertUsers.map((e) => e.userId), withCheckChar("12230600MB1234567"));
  await seedEvaluation(app, sys, { tenderingUnit: tu.actor, supervisor: sup.actor, experts: expertUsers.map((e) => e.actor) }, opened8.sectionId);

  // 9. Results (定标, R51–R56), one section per stage (server/demo-results.ts): three sections opened with three bids
  //    each and evaluated by the five demo experts, whose reports they signed with their demo PKCS#12 files. 标段 01 is
  //    at the candidate publicity (`bidder2` can object), 02 awarded (notices issued), 03 contracted (a bond refunded).
  const p9 = await create(
    tu.actor,
    base("DQ-2026-JS-0601", "大庆市第一中学实验楼新建工程", { agencyId: ag.orgId, estimateYuan: "28000000", keyModel: "bidder", sections: DEMO_RESULTS_SECTIONS }),
  );
  await publishProject(app, tu.actor, p9);
  await seedResults(app, sys, { tenderingUnit: tu.actor, bidders, bidderKeys, experts: expertUsers.map((e) => e.actor), passphrase: DEMO_PASSWORD }, p9, () => fastForwardDeadline(app, sys, p9));

  // 10. Electronic supervision (电子监察, R23/R63–R65): a county tender (肇州县, supervised by the county department
  //     `supervisor2`, and by the city) whose opening read out bids in which two bidders sealed from one address
  //     with one project manager, at prices in equal steps — the R23 alerts fire once the hall reads them out.
  const county = await mk({ name: "肇州县住房和城乡建设局", kind: "supervisor", region: "黑龙江省大庆市肇州县" }, "supervisor2", "钱监督", "supervisor");
  void county;
  const p10 = await create(
    tu.actor,
    base("DQ-2026-JS-0702", "肇州县第二中学风雨操场新建工程", {
      region: "黑龙江省大庆市肇州县",
      location: "肇州县肇州镇",
      estimateYuan: "3200000",
      keyModel: "bidder",
      sections: [{ code: "01", title: "施工", ceilingPriceYuan: "3150000", bondYuan: "60000", method: "lowest_evaluated_price", criteria: [] }],
    }),
  );
  await publishProject(app, tu.actor, p10);
  const shared = { ...bidders[1]!, ip: bidders[0]!.ip, userAgent: bidders[0]!.userAgent };
  const colluding = await sealDemoBids(app, [bidders[0]!, shared, bidders[2]!], bidderKeys, p10, [
    { priceYuan: "3000000.00", durationDays: "150", quality: "合格", projectManager: "李振国" },
    { priceYuan: "3030000.00", durationDays: "150", quality: "合格", projectManager: "李振国" },
    { priceYuan: "3060000.00", durationDays: "150", quality: "合格", projectManager: "王海" },
  ]);
  await fastForwardDeadline(app, sys, p10);
  await openHall(app, colluding.sectionId);
  for (const [i, b] of bidders.entries()) await checkInAndRelease(app, b, bidderKeys[i]!, colluding.sectionId, colluding.rawKeys[i]!);
  for (const b of bidders) await confirmRecord(app, b, colluding.sectionId);
  await closeOpening(app, tu.actor, colluding.sectionId);

  // 11. Red: a 质疑 on the ZFCG procurement answered after its limit (R12) — the purchaser's late answer lifts the
  //     suspension (the procurement takes bids again) and leaves the section red for good; then every section's
  //     light and alert.
  const objection2 = await fileObjection(app, bidders[2]!, p2, "采购需求中“须为原厂授权”的要求限制了供应商，请求澄清。");
  await backdateObjection(app, sys, objection2, 1.2);
  await answerObjection(app, tu2.actor, objection2, "原厂授权要求系为保障三年质保服务，不限定品牌；接受具有同等售后服务承诺的供应商。");
  await settleSupervision(app);
  // 12. One open case (案件): the city supervisor opens it on the county tender's same-address alert (R23, R65).
  await openDemoCase(app, sup.actor, colluding.sectionId, "肇州县第二中学风雨操场新建工程：两家投标人同一地址上传、同一项目负责人");
  await settleSupervision(app);
  return { logins };
}

/**
 * DEMO ONLY: each bidder obtains the tender documents (as a real bidder does before preparing a bid; the record
 * holds a `document.obtain` entry per bidder) and seals one bid with its demo certificate for the tender's first
 * section. Returns the section and each bid's content key (the seed then plays the bidders' browsers in the hall).
 */
async function sealDemoBids(app: AppContext, bidders: Actor[], keys: SealingHolder[], projectId: string, forms: Parameters<typeof bidFormBytes>[0][]) {
  const [doc] = await app.db.select().from(tenderDocuments).where(eq(tenderDocuments.projectId, projectId));
  const [section] = await app.db.select({ id: sections.id }).from(sections).where(eq(sections.projectId, projectId));
  const [key] = await app.db.select().from(openingKeys).where(eq(openingKeys.sectionId, section!.id));
  const opening = key ? { kid: key.kid, publicKeySpki: new Uint8Array(Buffer.from(key.publicKeySpki, "base64")) } : null;
  const rawKeys: Uint8Array[] = [];
  for (const [i, b] of bidders.entries()) {
    await obtainDocument(app, b, projectId, doc!.id);
    const tech = new TextEncoder().encode(`DEMO 技术标 — ${i + 1}`);
    const submitted = await sealAndSubmit(app, b, keys[i]!, section!.id, opening, [bidFormBytes(forms[i]!, [{ name: "技术标.pdf", size: tech.length }]), tech], 64 * 1024);
    rawKeys.push(submitted.sealed.rawKey);
  }
  return { sectionId: section!.id, rawKeys };
}

/**
 * DEMO ONLY: moves a demo tender's whole timeline back so that its bid deadline was a minute
 * ago, or just after its last bid if that came later (publication, document period and question
 * deadline keep their distances, R7), so its opening hall can be shown at once. Recorded as a
 * demo step, not as an amendment.
 */
async function fastForwardDeadline(app: AppContext, sys: Actor, projectId: string) {
  await runCommand(app, sys, "seed.fast_forward_deadline", async ({ tx, now }) => {
    const [p] = await tx.select().from(projects).where(eq(projects.id, projectId));
    // A minute ago — but after the last bid was received, so no bid reads as received after the deadline.
    const [last] = await tx.select({ at: max(bids.receivedAt) }).from(bids).innerJoin(sections, eq(sections.id, bids.sectionId)).where(eq(sections.projectId, projectId));
    const deadline = Math.min(now.getTime(), Math.max(now.getTime() - 60_000, (last?.at?.getTime() ?? 0) + 1000));
    const shift = deadline - p!.bidDeadline.getTime();
    const back = (d: Date | null) => (d ? new Date(d.getTime() + shift) : d);
    const moved = {
      publishedAt: back(p!.publishedAt),
      documentsFrom: back(p!.documentsFrom)!,
      documentsUntil: back(p!.documentsUntil)!,
      questionDeadline: back(p!.questionDeadline)!,
      bidDeadline: back(p!.bidDeadline)!,
      evaluationStart: back(p!.evaluationStart),
    };
    await tx.update(projects).set(moved).where(eq(projects.id, projectId));
    return { result: undefined, subjectType: "project", subjectId: projectId, payload: { demo: true, shiftMs: shift, bidDeadline: moved.bidDeadline.toISOString() } };
  });
}

/**
 * A tender published before this platform took over (seed only), imported with its original
 * dates and a document. Recorded as an import, not as a publication, because the
 * publication rules applied at the time it was published.
 */
async function importHistoric(
  app: AppContext,
  sys: Actor,
  owner: Actor,
  t: { code: string; title: string; publishedAt: Date; bidDeadline: Date; agencyId?: string; tenderingUnitId?: string },
): Promise<string> {
  const day = 86400_000;
  const pdf = await app.blobs.put(demoPdf([`Tender documents ${t.code}`, "Tenderhall demo document (imported)"]));
  return runCommand(app, sys, "seed.import_historic", async ({ tx }) => {
    const [p] = await tx
      .insert(projects)
      .values({
        code: t.code,
        title: t.title,
        regime: "ZTB",
        mustTender: true,
        category: "construction",
        region: "黑龙江省大庆市",
        location: "大庆市萨尔图区",
        description: `${t.title}。`,
        fundingSource: "财政资金",
        tenderingUnitId: t.tenderingUnitId ?? owner.orgId!,
        agencyId: t.agencyId ?? null,
        estimateFen: 560_000_000,
        status: "published",
        notice: { contactName: "王招标", contactPhone: "0459-1234567", obtainMethod: "在本平台免费下载电子招标文件。", qualification: "市政公用工程施工总承包三级及以上资质。" },
        documentsFrom: t.publishedAt,
        documentsUntil: new Date(t.publishedAt.getTime() + 7 * day),
        questionDeadline: new Date(t.bidDeadline.getTime() - 5 * day),
        bidDeadline: t.bidDeadline,
        profileCode: "ZTB",
        profileVersion: ZTB_PROFILE.version,
        publishedAt: t.publishedAt,
        searchText: `${t.code} ${t.title} 黑龙江省大庆市 大庆市第一中学`.toLowerCase(),
        createdBy: owner.user!.id,
      })
      .returning({ id: projects.id });
    const [sec] = await tx
      .insert(sections)
      .values({
        projectId: p!.id,
        seq: 1,
        code: "01",
        title: "施工",
        status: "published",
        ceilingPriceFen: 550_000_000,
        bondFen: 10_000_000,
        evaluation: { method: "lowest_evaluated_price", criteria: [] },
        keyModel: { model: "bidder", threshold: 0, custodians: [] },
      })
      .returning({ id: sections.id });
    // Its hall opens at the deadline like any other (the job; at once if the deadline has already passed), so a
    // hall past its deadline is never left waiting.
    await scheduleOpening(tx, sec!.id, t.bidDeadline);
    await tx.insert(tenderDocuments).values({
      projectId: p!.id,
      version: 1,
      filename: `${t.code}-招标文件.pdf`,
      contentType: "application/pdf",
      size: pdf.size,
      sha256: pdf.sha256,
      uploadedBy: owner.user!.id,
    });
    return { result: p!.id, subjectType: "project", subjectId: p!.id, payload: { code: t.code, historic: true, publishedAt: t.publishedAt.toISOString() } };
  });
}

/**
 * A demo pool of 120 experts through the real importer (an in-memory CSV), spread over the
 * specialty tree and two regions, a few suspended or conflicted; E0001–E0005 are the demo expert accounts.
 */
const SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗";
const GIVEN_NAMES = ["建国", "志强", "秀英", "海燕", "立新", "文博", "晓东", "春梅", "国庆", "振华", "丽娟", "永强"];

/** The name of demo pool expert number i (E0001 is i = 0: 王建国, also the `expert` login's display name). */
export function demoExpertName(i: number): string {
  return `${SURNAMES[i % SURNAMES.length]}${GIVEN_NAMES[i % GIVEN_NAMES.length]}`;
}

async function seedExperts(app: AppContext, expertUserIds: string[], schoolCode: string) {
  const leaves = SPECIALTY_TREE.map(([c]) => c).filter((c) => c.length === 5 || ["A05", "B05", "C01", "C02", "C04", "C05"].includes(c));
  const titles = [["正高级", "教授级高级工程师"], ["正高级", "研究员"], ["副高级", "高级工程师"], ["副高级", "高级经济师"]];
  const header = "专家编号,姓名,职称,职称级别,从业年限,所在地区,工作单位,单位统一社会信用代码,专业代码,状态,状态原因,手机号码";
  const lines = Array.from({ length: 120 }, (_, i) => {
    const t = titles[i % titles.length]!;
    // DEMO_COMMITTEE_SPECIALTY is held by the demo expert accounts only (E0001–E0005: the demo draw draws exactly them).
    const own = [leaves[i % leaves.length]!, leaves[(i * 7 + 3) % leaves.length]!].filter((c) => c !== DEMO_COMMITTEE_SPECIALTY);
    const spec = [...own, ...(i < expertUserIds.length ? [DEMO_COMMITTEE_SPECIALTY] : own.length ? [] : ["A0702"])].filter((v, j, a) => a.indexOf(v) === j).join(";");
    const region = i % 5 === 4 ? "黑龙江省哈尔滨市" : "黑龙江省大庆市";
    const employer = i % 17 === 5 ? ["大庆市第一中学", schoolCode] : [["大庆石油学院", "东北石油大学", "大庆市建筑设计研究院", "哈尔滨工业大学"][i % 4]!, ""];
    const status = i % 29 === 11 ? ["暂停", "年度考核不合格"] : ["在库", ""];
    return [`E${String(i + 1).padStart(4, "0")}`, demoExpertName(i), t[1], t[0], 8 + (i % 25), region, employer[0], employer[1], spec, status[0], status[1], `139${String(10000000 + i * 7919).slice(0, 8)}`].join(",");
  });
  const admin = await actorForUser(app.db, (await app.db.select({ id: users.id }).from(users).where(eq(users.username, "admin")))[0]!.id, "127.0.0.1", "seed");
  const result = await importExperts(app, admin, { bytes: new TextEncoder().encode([header, ...lines].join("\n")), filename: "demo-experts.csv" });
  if (!result.ok) throw new Error(`demo experts invalid: ${JSON.stringify(result)}`);
  for (const [i, userId] of expertUserIds.entries()) await app.db.update(experts).set({ userId }).where(eq(experts.code, `E${String(i + 1).padStart(4, "0")}`));
}
