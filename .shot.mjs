import { chromium } from "playwright-core";
const [,, base, user, ...paths] = process.argv;
const b = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox","--disable-gpu","--disable-background-networking"] });
const ctx = await b.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
const page = await ctx.newPage();
page.on("console", (m) => { if (m.type() === "error") console.log("console error:", m.text().slice(0, 300)); });
page.on("pageerror", (e) => console.log("pageerror:", e.message.slice(0, 300)));
if (user !== "-") {
  await page.goto(base + "/login"); await page.fill("#username", user); await page.fill("#password", "demo12345");
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("main button[type=submit]")]);
}
for (const p of paths) {
  await page.goto(base + p); await page.waitForTimeout(800);
  const name = (user + p).replace(/[^a-z0-9]+/gi, "_");
  await page.screenshot({ path: `/tmp/shots/${name}.png`, fullPage: true });
  console.log("shot", p, page.url());
}
await b.close();
