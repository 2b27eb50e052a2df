import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import {
  builtRoutes,
  clearsSession,
  clean,
  cookieHeader,
  DEMO_USERS,
  fillPattern,
  formFieldsOf,
  formsOf,
  Findings,
  FuzzServer,
  fuzz,
  Harness,
  inPool,
  isRefused,
  hostileText,
  junkSegment,
  preview as previewOf,
  QUERY_KEYS,
  randomIp,
  readIds,
  refresh,
  runs,
  signInAll,
  sourceFieldsOf,
  sourceOf,
  visitor,
  type Answer,
  type Client,
  type DemoIds,
  type FormSample,
  type RouteInfo,
  type RunCtx,
  type Sent,
} from "./helpers";

/**
 * Target 1: every Remix route of the built app, as every demo user, anonymous and with hostile
 * cookies — GET with generated params and query strings, POST (and a few other methods) to
 * every route with an action with generated forms in every content type. Each request must be
 * answered below 500, without a stack trace or a file path, and a refused one must write nothing.
 */

let server: FuzzServer;
let h: Harness;
let routes: RouteInfo[];
let clients: Client[];
let ids: DemoIds;
/** Field names and intents per route id: rendered forms (as every user) ∪ the action's source. */
const fields = new Map<string, { names: string[]; intents: string[] }>();
/** Forms as rendered for a user (with their values), per route id of the action they post to. */
type Sample = FormSample & { routeId: string; client: Client };
const samples = new Map<string, Sample[]>();
/** Per route and user: the params of a page the user could open (200), from the harvest. */
const opened = new Map<string, Record<string, string>>();

/** The route an action URL posts to (the pattern that matches its path). */
function routeOfPath(actionPath: string): RouteInfo | undefined {
  const p = actionPath.split("?")[0]!.replace(/\/+$/, "") || "/";
  return routes.find((r) => r.hasAction && new RegExp(`^${r.pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:\w+/g, "[^/]+")}$`).test(p));
}

type IdKind = "project" | "section" | "document" | "bid" | "draw" | "expert";

function kindOf(route: RouteInfo, param: string): IdKind {
  if (param === "sectionId") return "section";
  if (param === "docId") return "document";
  if (param === "bidId") return "bid";
  if (/^\/(verify\/)?draws\//.test(route.pattern)) return "draw";
  if (route.pattern.startsWith("/pool/")) return "expert";
  return "project";
}

function realOf(kind: IdKind): string[] {
  switch (kind) {
    case "project":
      return ids.projects.map((p) => p.id);
    case "section":
      return ids.sections.map((s) => s.id);
    case "document":
      return ids.documents.map((d) => d.id);
    case "bid":
      return ids.bids.map((b) => b.id);
    case "draw":
      return ids.draws;
    case "expert":
      return ids.experts;
  }
}

/** Every real id of the demo database that can stand in a path (users too: the wrong kind of real id). */
const allReal = () => [...ids.projects.map((p) => p.id), ...ids.sections.map((s) => s.id), ...ids.documents.map((d) => d.id), ...ids.bids.map((b) => b.id), ...ids.draws, ...ids.experts, ...ids.users.map((u) => u.id)];

const oneOf = (xs: string[]): fc.Arbitrary<string> => (xs.length ? fc.constantFrom(...xs) : fc.uuid().map(String));

/** Every real filling of a route's params (each section with its tender, each document with its tender…). */
function allFillings(route: RouteInfo): Record<string, string>[] {
  const p = route.params;
  if (!p.length) return [{}];
  if (p.includes("sectionId")) return ids.sections.map((s) => ({ id: s.projectId, sectionId: s.id }));
  if (p.includes("docId")) return ids.documents.map((d) => ({ id: d.projectId, docId: d.id }));
  if (p.includes("bidId")) return ids.bids.map((b) => ({ bidId: b.id }));
  const real = realOf(kindOf(route, p[0]!)).slice(0, 8);
  return (real.length ? real : ["00000000-0000-4000-8000-000000000000"]).map((v) => ({ [p[0]!]: v }));
}

/** Params that belong together (a section of its project, a document of its tender) — the deep paths. */
function consistentParams(route: RouteInfo): fc.Arbitrary<Record<string, string>> {
  const p = route.params;
  if (p.includes("sectionId") && ids.sections.length) return fc.constantFrom(...ids.sections).map((s) => ({ id: s.projectId, sectionId: s.id }));
  if (p.includes("docId") && ids.documents.length) return fc.constantFrom(...ids.documents).map((d) => ({ id: d.projectId, docId: d.id }));
  return independentParams(route, 1);
}

/** Each param on its own: mostly a real id of the right kind, sometimes another kind's, or junk. */
function independentParams(route: RouteInfo, junkWeight = 3): fc.Arbitrary<Record<string, string>> {
  const entries = route.params.map((param) => {
    const arb = fc.oneof(
      { weight: 5, arbitrary: oneOf(realOf(kindOf(route, param))) },
      { weight: 2, arbitrary: oneOf(allReal()) },
      { weight: junkWeight, arbitrary: junkSegment },
    );
    return [param, arb] as const;
  });
  return fc.record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<string>>);
}

function paramsArb(route: RouteInfo): fc.Arbitrary<Record<string, string>> {
  if (!route.params.length) return fc.constant({});
  return fc.oneof({ weight: 5, arbitrary: consistentParams(route) }, { weight: 5, arbitrary: independentParams(route) });
}

const encode = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "\uFFFD"));

function queryArb(): fc.Arbitrary<string> {
  const value = fc.oneof(
    { weight: 5, arbitrary: hostileText.filter((s) => s.length <= 12_000) },
    { weight: 2, arbitrary: fc.constantFrom("1", "2", "3", "bidding", "closed", "suspended", "ZTB", "goods", "A01", "2026-12-01", "2027-01-31", "/", "/manage") },
    { weight: 1, arbitrary: oneOf(allReal()) },
    { weight: 1, arbitrary: fc.constantFrom("root", ...routes.map((r) => r.id), "routes/../root", "routes/nope") },
  );
  const pairs = fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), value), { maxLength: 5 });
  const rawTail = fc.constantFrom("", "", "", "&", "&&==&", "&%zz=1", "&a%00=b", "&page[]=1", "&page=1&page=2", "&q=%E0%A4%A", "&%=%", "#frag");
  return fc.tuple(pairs, rawTail).map(([ps, tail]) => ps.map(([k, v]) => `${k}=${encode(v)}`).join("&") + tail);
}

const headerValue = fc.string({ unit: "binary-ascii", maxLength: 200 }).map((s) => s.replace(/[^\x20-\x7e]/g, ""));

/** Request headers a browser, a script or an attacker might send (all valid on the wire). */
function headersArb(): fc.Arbitrary<Record<string, string>> {
  return fc.record(
    {
      accept: fc.constantFrom("text/html", "application/json", "*/*", "text/plain", "image/*", "application/xml;q=0.1", ""),
      "accept-language": fc.constantFrom("en", "zh-CN", "xx", "*", "en;q=abc"),
      "x-request-id": fc.oneof(fc.constantFrom("abc", "x".repeat(5_000), "../../", "%00", "<script>"), headerValue),
      "user-agent": fc.oneof(fc.constantFrom("Googlebot/2.1", "curl/8", "x".repeat(3_000), ""), headerValue),
      "x-forwarded-for": fc.oneof(randomIp(), fc.tuple(fc.constantFrom("garbage", "1.2.3.4.5", "::1", "999.1.1.1", "%"), randomIp()).map(([a, b]) => `${a}, ${b}`)),
    },
    { requiredKeys: ["x-forwarded-for"] },
  );
}

/** Hostile-cookie visitors next to the real ones. */
async function hostileClients(): Promise<Client[]> {
  const base = await visitor(server, "anonymous (hostile cookies)");
  const variants: [string, string][] = [
    ["bad th_session escape", `th_session=%E0%A4%A; th_csrf=${base.csrfCookie}`],
    ["huge th_session", `th_session=${"a".repeat(8_000)}; th_csrf=${base.csrfCookie}`],
    ["junk cookies", `th_csrf=%; th_session=; =; ;;; th_lng=%00xx; __proto__=1`],
    ["no cookies", ""],
    ["forged session", `th_session=${Buffer.alloc(32, 7).toString("base64url")}; th_csrf=${base.csrfCookie}`],
  ];
  return variants.map(([n, raw]) => ({ ...base, name: `anonymous (${n})`, rawCookie: raw }));
}

function requestPath(route: RouteInfo, params: Record<string, string>, query: string, index: boolean, data: string | null): string {
  const qs = [route.index && index ? "index" : "", data ? `_data=${encode(data)}` : "", query].filter(Boolean).join("&");
  return fillPattern(route.pattern, params) + (qs ? `?${qs}` : "");
}

function baseHeaders(c: Client, extra: Record<string, string>): Record<string, string> {
  const cookie = cookieHeader(c);
  return { ...extra, ...(cookie ? { cookie } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------

type Csrf = "own" | "none" | "other" | "junk" | "header";
type BodyKind = "urlencoded" | "raw-urlencoded" | "multipart" | "multipart-pdf" | "multipart-xlsx" | "multipart-truncated" | "multipart-no-boundary" | "json" | "text" | "none";

type PostPlan = {
  route: RouteInfo;
  client: Client;
  method: string;
  params: Record<string, string>;
  query: string;
  data: string | null;
  kind: BodyKind;
  csrf: Csrf;
  intent: string | null;
  pairs: [string, string][];
  origin: "none" | "same" | "foreign" | "null";
  headers: Record<string, string>;
  bytes: number[];
  /** A rendered form to start from (its user, its action, its values), mutated; null: a free-form body. */
  sample: Sample | null;
  mutations: { at: number; op: "set" | "delete" | "dup" | "reindex"; value: string }[];
  button: number;
};

/** A form's field names with hostile variants: huge or negative array indices, prototype keys, deep paths. */
function fieldNameArb(known: string[]): fc.Arbitrary<string> {
  const names = known.length ? known : ["name", "title", "id", "body", "code"];
  const indexed = names.filter((n) => /\[\d+\]/.test(n));
  const mutated = indexed.length
    ? fc
        .tuple(fc.constantFrom(...indexed), fc.constantFrom("100000", "1000000", "-1", "1e3", "", "x", "00", "0x1", "4294967295", "1.5"))
        .map(([n, i]) => n.replace(/\[\d+\]/, `[${i}]`))
    : fc.constantFrom("sections[100000].code", "criteria[-1].name");
  return fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...names) },
    { weight: 3, arbitrary: mutated },
    {
      weight: 1,
      arbitrary: fc.constantFrom("__proto__", "__proto__[polluted]", "constructor[prototype][polluted]", "a[", "[]", "a[]", "", "x" + ".x".repeat(400), "名字", "a\u0000b", "%"),
    },
  );
}

function fieldValueArb(formIds: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: hostileText },
    { weight: 3, arbitrary: oneOf(formIds) },
    { weight: 1, arbitrary: fc.uuid().map(String) },
    {
      weight: 2,
      arbitrary: fc.constantFrom("on", "1", "2", "60", "100", "12000000", "2026-12-30T09:30", "2027-03-01T09:30", "2026-12-01", "第一标段", "01", "测试内容，足够长的说明文字。", "0459-1234567", "a@example.com", "demo12345"),
    },
  );
}

function postPlanArb(route: RouteInfo, formIds: string[]): fc.Arbitrary<PostPlan> {
  const f = fields.get(route.id) ?? { names: [], intents: [] };
  const intent = f.intents.length
    ? fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...f.intents) }, { weight: 2, arbitrary: hostileText }, { weight: 1, arbitrary: fc.constant(null) })
    : fc.option(hostileText, { freq: 4 });
  return fc.record({
    route: fc.constant(route),
    client: fc.constantFrom(...clients),
    method: fc.constantFrom("POST", "POST", "POST", "POST", "POST", "POST", "POST", "POST", "PUT", "DELETE", "PATCH"),
    params: paramsArb(route),
    query: fc.oneof({ weight: 4, arbitrary: fc.constant("") }, { weight: 1, arbitrary: queryArb() }),
    data: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constant(route.id) }, { weight: 1, arbitrary: fc.constantFrom("root", "routes/nope", "") }),
    kind: fc.constantFrom<BodyKind>(
      ...(Array(12).fill("urlencoded") as BodyKind[]),
      "raw-urlencoded",
      "raw-urlencoded",
      "multipart",
      "multipart",
      "multipart-pdf",
      "multipart-xlsx",
      "multipart-truncated",
      "multipart-no-boundary",
      "json",
      "json",
      "text",
      "none",
    ),
    csrf: fc.constantFrom<Csrf>("own", "own", "own", "own", "own", "own", "own", "none", "other", "junk", "header"),
    intent,
    pairs: fc.array(fc.tuple(fieldNameArb(f.names), fieldValueArb(formIds)), { maxLength: 14 }),
    origin: fc.constantFrom<PostPlan["origin"]>("none", "none", "none", "none", "none", "none", "same", "same", "foreign", "null"),
    headers: headersArb(),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 64 }),
    sample: fc.constant(null),
    mutations: fc.constant([]),
    button: fc.constant(0),
  });
}

/**
 * A form the server rendered for a user, posted back by that user with one to three fields
 * changed (set to a hostile value, removed, duplicated, or an array index pushed out of range) —
 * the request that gets past the first validation error to the code behind it.
 */
function samplePlanArb(list: Sample[], formIds: string[]): fc.Arbitrary<PostPlan> {
  return fc.constantFrom(...list).chain((sample) =>
    fc.record({
      route: fc.constant(routes.find((r) => r.id === sample.routeId)!),
      client: fc.constant(sample.client),
      method: fc.constant("POST"),
      params: fc.constant({}),
      query: fc.constant(""),
      data: fc.constantFrom<string | null>(null, null, sample.routeId),
      kind: fc.constantFrom<BodyKind>("urlencoded", "urlencoded", "urlencoded", "urlencoded", "urlencoded", "urlencoded", "multipart", "multipart", "json", "raw-urlencoded"),
      csrf: fc.constantFrom<Csrf>("own", "own", "own", "own", "own", "own", "own", "own", "none", "other"),
      intent: fc.constant(null),
      pairs: fc.constant([]),
      origin: fc.constantFrom<PostPlan["origin"]>("none", "none", "none", "same"),
      headers: fc.record({ "x-forwarded-for": randomIp() }),
      bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 32 }),
      sample: fc.constant(sample),
      mutations: fc.array(
        fc.record({ at: fc.nat(), op: fc.constantFrom<PostPlan["mutations"][number]["op"]>("set", "set", "set", "set", "delete", "dup", "reindex"), value: fieldValueArb(formIds) }),
        { minLength: 1, maxLength: 3 },
      ),
      button: fc.nat(),
    }),
  );
}

/** The sample's fields after the mutations (`_csrf` left to the plan's CSRF choice). */
function mutatedPairs(plan: PostPlan): [string, string][] {
  const s = plan.sample!;
  const pairs: [string, string][] = s.pairs.filter(([n]) => n !== "_csrf").map(([n, v]) => [n, v]);
  if (s.buttons.length) pairs.push(s.buttons[plan.button % s.buttons.length]!);
  for (const m of plan.mutations) {
    if (!pairs.length) break;
    const i = m.at % pairs.length;
    const [name, value] = pairs[i]!;
    if (m.op === "set") pairs[i] = [name, m.value];
    if (m.op === "delete") pairs.splice(i, 1);
    if (m.op === "dup") pairs.splice(i, 0, [name, m.value]);
    if (m.op === "reindex") pairs[i] = [/\[\d+\]/.test(name) ? name.replace(/\[\d+\]/, "[100000]") : `${name}[100000]`, value];
  }
  return pairs;
}

function multipartBody(boundary: string, parts: { name: string; value: Buffer | string; filename?: string; type?: string }[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = `form-data; name="${p.name.replace(/"/g, "%22").replace(/\r|\n/g, " ")}"${p.filename ? `; filename="${p.filename}"` : ""}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ""}\r\n`));
    chunks.push(Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value));
    chunks.push(Buffer.from("\r\n"));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

function buildPost(plan: PostPlan): Sent {
  const c = plan.client;
  const other = clients.find((x) => x !== c && x.csrf !== c.csrf)?.csrf ?? "x";
  const token = plan.csrf === "own" ? c.csrf : plan.csrf === "other" ? other : plan.csrf === "junk" ? "x".repeat(43) : null;
  let pairs: [string, string][] = plan.sample ? mutatedPairs(plan) : [...plan.pairs];
  if (plan.route.id === "routes/login") {
    // A fuzzed failed login for an account the suite signs in with would count against it (throttle):
    // those usernames are replaced by one the suite never uses.
    pairs = pairs.map(([k, v]) => (k === "username" && (DEMO_USERS as readonly string[]).includes(v.trim().toLowerCase()) ? [k, "purchaser"] : [k, v]));
  }
  if (plan.intent !== null) pairs.unshift(["intent", plan.intent]);
  if (token) pairs.unshift(["_csrf", token]);
  const headers: Record<string, string> = baseHeaders(c, plan.headers);
  if (plan.csrf === "header") headers["x-csrf-token"] = c.csrf;
  if (plan.origin === "same") headers.origin = server.url;
  if (plan.origin === "foreign") headers.origin = "http://evil.example";
  if (plan.origin === "null") headers.origin = "null";
  const boundary = `----fuzz${plan.bytes.slice(0, 8).map((b) => b.toString(16)).join("")}`;
  const noise = Buffer.from(plan.bytes);
  let body: Buffer | string | undefined;
  let describe: string;
  switch (plan.kind) {
    case "urlencoded":
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(pairs).toString();
      describe = `urlencoded ${preview(pairs)}`;
      break;
    case "raw-urlencoded":
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = pairs.map(([k, v]) => `${k}=${v}`).join("&") + "&%zz=%E0%A4%A&=&&%";
      describe = `raw urlencoded (unescaped) ${preview(body)}`;
      break;
    case "multipart":
      headers["content-type"] = `multipart/form-data; boundary=${boundary}`;
      body = multipartBody(boundary, pairs.map(([name, value]) => ({ name, value })));
      describe = `multipart ${preview(pairs)}`;
      break;
    case "multipart-pdf":
      // A file part that looks like a PDF (passes the magic check) with the form's fields.
      headers["content-type"] = `multipart/form-data; boundary=${boundary}`;
      body = multipartBody(boundary, [
        ...pairs.map(([name, value]) => ({ name, value })),
        { name: "file", value: Buffer.concat([Buffer.from("%PDF-1.7\n% fuzz\n"), noise]), filename: "招标文件.pdf", type: "application/pdf" },
      ]);
      describe = `multipart with a %PDF- file part (${16 + noise.length} bytes) ${preview(pairs)}`;
      break;
    case "multipart-xlsx":
      // Garbage in a fake .xlsx (a ZIP signature, then noise), as an expert import would receive.
      headers["content-type"] = `multipart/form-data; boundary=${boundary}`;
      body = multipartBody(boundary, [
        ...pairs.map(([name, value]) => ({ name, value })),
        { name: "file", value: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), noise]), filename: "experts.xlsx", type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
      ]);
      describe = `multipart with a fake experts.xlsx ${preview(pairs)}`;
      break;
    case "multipart-truncated": {
      headers["content-type"] = `multipart/form-data; boundary=${boundary}`;
      const full = multipartBody(boundary, [...pairs.map(([name, value]) => ({ name, value })), { name: "file", value: noise, filename: "a.pdf", type: "application/pdf" }], false);
      body = full.subarray(0, Math.max(1, Math.floor(full.length * ((plan.bytes[0]! % 90) + 5) / 100)));
      describe = `truncated multipart (${body.length} of ${full.length} bytes, no closing boundary) ${preview(pairs)}`;
      break;
    }
    case "multipart-no-boundary":
      headers["content-type"] = "multipart/form-data";
      body = multipartBody(boundary, pairs.map(([name, value]) => ({ name, value })));
      describe = `multipart without a boundary parameter ${preview(pairs)}`;
      break;
    case "json":
      headers["content-type"] = "application/json";
      body = JSON.stringify(Object.fromEntries(pairs));
      describe = `JSON ${preview(body)}`;
      break;
    case "text":
      headers["content-type"] = "text/plain;charset=UTF-8";
      body = pairs.map(([k, v]) => `${k}=${v}`).join("\r\n");
      describe = `text/plain ${preview(body)}`;
      break;
    case "none":
      body = pairs.length ? new URLSearchParams(pairs).toString() : undefined;
      describe = `no content-type ${preview(body ?? "")}`;
      break;
  }
  const path = plan.sample
    ? `${plan.sample.action}${plan.data ? `${plan.sample.action.includes("?") ? "&" : "?"}_data=${encode(plan.data)}` : ""}`
    : requestPath(plan.route, plan.params, plan.query, plan.bytes[1]! % 8 !== 0 /* ?index 7 times in 8 */, plan.data);
  return {
    method: plan.method,
    path,
    headers,
    body,
    as: c.name,
    describe,
  };
}

const preview = (v: unknown) => previewOf(v, 300);

// ---------------------------------------------------------------------------------------------
// Setup: server, sign-in, ids, field names
// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  const t0 = Date.now();
  const lap = (what: string) => process.env.FUZZ_STATS && console.info(`${what}: ${Date.now() - t0} ms`);
  server = await FuzzServer.start("routes");
  lap("server started");
  h = new Harness(server);
  await h.init();
  routes = builtRoutes();
  clients = [...(await signInAll(server)), ...(await hostileClients())];
  ids = await readIds(server.sql);
  lap("signed in");
  // Field names: every action route's page as every user (anonymous included) with every real id
  // that fits it — forms differ by role and by the state of the tender. Four at a time; checked for
  // 5xx/leaks like any request (these are the pages users really open), not for writes.
  const ctx: RunCtx = { property: "GET with generated params, query strings and headers, as every user", path: "harvest", value: "page loads before fuzzing" };
  const groups: { route: RouteInfo; client: Client }[] = [];
  const collected = new Map<string, { names: Set<string>; intents: Set<string> }>();
  for (const route of routes.filter((r) => r.hasAction)) {
    collected.set(route.id, sourceFieldsOf(sourceOf(route)));
    if (route.hasLoader) for (const client of clients.filter((x) => !x.rawCookie)) groups.push({ route, client });
  }
  let loads = 0;
  await inPool(groups, 4, async ({ route, client }) => {
    for (const params of allFillings(route)) {
      const res = await h.exchange({ method: "GET", path: fillPattern(route.pattern, params), headers: baseHeaders(client, {}), as: client.name }, ctx, route.id, { writes: false });
      loads++;
      if (res.status === 200 && !opened.has(`${route.id}|${client.name}`)) opened.set(`${route.id}|${client.name}`, params);
      const found = formFieldsOf(res.text);
      const into = collected.get(route.id)!;
      found.names.forEach((n) => into.names.add(n));
      found.intents.forEach((n) => into.intents.add(n));
      for (const form of formsOf(res.text, fillPattern(route.pattern, params))) {
        const target = routeOfPath(form.action);
        if (!target || !form.pairs.every(([n, v]) => clean(n) && clean(v))) continue;
        // The header's logout form (on every page) would end a session in most runs that pick it, and
        // each costs a sign-in; /logout is still posted to by the free-form plans.
        if (target.id === "routes/logout") continue;
        const list = samples.get(target.id) ?? [];
        const sig = `${client.name} ${form.action} ${form.pairs.map(([n]) => n).join(",")} ${form.buttons.map(([, v]) => v).join(",")}`;
        if (list.length < 12 && !list.some((x) => `${x.client.name} ${x.action} ${x.pairs.map(([n]) => n).join(",")} ${x.buttons.map(([, v]) => v).join(",")}` === sig)) list.push({ ...form, routeId: target.id, client });
        samples.set(target.id, list);
      }
      // Refused by role (the login page, 403, 405): the other ids will not show this user a form either.
      if (isRefused(res) && res.status !== 404) break;
    }
  });
  h.invalidate();
  for (const [id, f] of collected) fields.set(id, { names: [...f.names].filter(clean).sort(), intents: [...f.intents].sort() });
  lap(`fields of ${collected.size} action routes and ${[...samples.values()].flat().length} rendered forms from ${loads} page loads`);
  if (process.env.FUZZ_STATS) console.info([...fields.entries()].map(([k, v]) => `${k}: ${v.names.join(" ")} | intents ${v.intents.join(" ")}`).join("\n"));
}, 300_000);

afterAll(async () => {
  if (server) await server.close();
});

/** Real ids a form may carry, except the signed-in demo users' own (deactivating one is a legal admin action that would end the suite's sessions). */
function formIdPool(): string[] {
  const mine = new Set(clients.map((c) => c.userId).filter(Boolean));
  return [...new Set([...allReal(), ...ids.certificates.map((c) => c.id), ...ids.misc])].filter((id) => !mine.has(id));
}

/** Before each run: a client logged out by an earlier run signs in again (outside any checked window). */
async function beforeRun(c: Client) {
  if (!c.stale) return;
  await refresh(server, c);
  h.invalidate();
}

/** After each run: the process still answers; a logout marks the client for a new sign-in. */
async function afterRun(c: Client, res: Answer, ctx: RunCtx, req: Sent, mark: number) {
  await h.checkAlive(ctx, `${req.method} ${req.path}`, "after the request", mark);
  if (c.session && !c.rawCookie && clearsSession(res)) c.stale = true;
}

describe("fuzz: every Remix route", () => {
  it("GET with generated params, query strings and headers, as every user", async () => {
    const getRoutes = routes.filter((r) => r.hasLoader);
    const arb = fc
      .record({ route: fc.constantFrom(...getRoutes), client: fc.constantFrom(...clients) })
      .chain(({ route, client }) =>
        fc.record({
          route: fc.constant(route),
          client: fc.constant(client),
          params: paramsArb(route),
          query: queryArb(),
          data: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(route.id, "root", "routes/nope", "") }),
          method: fc.constantFrom("GET", "GET", "GET", "GET", "GET", "GET", "HEAD", "OPTIONS"),
          headers: headersArb(),
        }),
      );
    // The harvest's page loads (in beforeAll) are reported with this property.
    await fuzz({
      findings: h.findings,
      property: "GET with generated params, query strings and headers, as every user",
      arb,
      numRuns: runs(240),
      show: (v) => ({ route: v.route.id, as: v.client.name, params: v.params, query: v.query, data: v.data, method: v.method, headers: v.headers }),
      run: async (v, ctx) => {
        await beforeRun(v.client);
        const req: Sent = { method: v.method, path: requestPath(v.route, v.params, v.query, false, v.data), headers: baseHeaders(v.client, v.headers), as: v.client.name };
        const mark = server.output().length;
        const res = await h.exchange(req, ctx, v.route.id);
        await afterRun(v.client, res, ctx, req, mark);
      },
    });
    h.findings.assertNone("GET fuzz");
  }, 600_000);

  it("POST only the CSRF token (and each intent) to every action, as every user", async () => {
    // Not random: the empty form is the boundary every action must refuse cleanly (a missing id
    // reaching the database as "" was a 500). Every action × every user × (no intent, each intent
    // — intents only where the user could open the page), with the user's own token.
    await server.ensureUp();
    h.findings = new Findings();
    const property = "POST only the CSRF token (and each intent) to every action, as every user";
    const plans: { route: RouteInfo; client: Client; intent: string | null; params: Record<string, string> }[] = [];
    for (const route of routes.filter((r) => r.hasAction)) {
      for (const client of clients.filter((c) => !c.rawCookie)) {
        const params = opened.get(`${route.id}|${client.name}`);
        const intents = params || !route.hasLoader ? [null, ...(fields.get(route.id)?.intents ?? [])] : [null];
        for (const intent of intents) plans.push({ route, client, intent, params: params ?? allFillings(route)[0]! });
      }
    }
    h.findings.planned = plans.length;
    for (const [i, p] of plans.entries()) {
      await beforeRun(p.client);
      h.findings.ran++;
      const body = new URLSearchParams([["_csrf", p.client.csrf], ...(p.intent !== null ? [["intent", p.intent]] : [])]).toString();
      const req: Sent = {
        method: "POST",
        path: requestPath(p.route, p.params, "", true, i % 2 ? p.route.id : null),
        headers: baseHeaders(p.client, { "content-type": "application/x-www-form-urlencoded" }),
        body,
        as: p.client.name,
      };
      const ctx: RunCtx = { property, path: `sweep:${i}`, value: { route: p.route.id, as: p.client.name, intent: p.intent } };
      const mark = server.output().length;
      const res = await h.exchange(req, ctx, p.route.id);
      await afterRun(p.client, res, ctx, req, mark);
      if (h.findings.gaveUp) break;
    }
    h.findings.assertNone("empty-form sweep");
  }, 600_000);

  it("POST generated forms in every content type to every action, as every user", async () => {
    await server.ensureUp();
    const pool = formIdPool();
    const actionRoutes = routes.filter((r) => r.hasAction);
    const loaderOnly = routes.filter((r) => !r.hasAction);
    const rendered = [...samples.values()].flat();
    const arb = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...actionRoutes).chain((r) => postPlanArb(r, pool)) },
      // A third of the runs start from a form the server rendered (its values, its user) and change one to three fields.
      ...(rendered.length ? [{ weight: 6, arbitrary: samplePlanArb(rendered, pool) }] : []),
      // POST to a route without an action (Remix answers 405).
      ...(loaderOnly.length ? [{ weight: 1, arbitrary: fc.constantFrom(...loaderOnly).chain((r) => postPlanArb(r, pool)) }] : []),
    );
    h.findings = new Findings();
    await fuzz({
      findings: h.findings,
      property: "POST generated forms in every content type to every action, as every user",
      arb,
      numRuns: runs(480),
      show: (p) =>
        p.sample
          ? { route: p.route.id, as: p.client.name, form: p.sample.action, kind: p.kind, csrf: p.csrf, data: p.data, mutations: p.mutations, button: p.sample.buttons.length ? p.sample.buttons[p.button % p.sample.buttons.length] : null }
          : { route: p.route.id, as: p.client.name, method: p.method, params: p.params, query: p.query, data: p.data, kind: p.kind, csrf: p.csrf, intent: p.intent, pairs: p.pairs, origin: p.origin },
      run: async (plan, ctx) => {
        await beforeRun(plan.client);
        const req = buildPost(plan);
        const mark = server.output().length;
        const res = await h.exchange(req, ctx, plan.route.id);
        await afterRun(plan.client, res, ctx, req, mark);
      },
    });
    h.findings.assertNone("POST fuzz");
  }, 900_000);
});
