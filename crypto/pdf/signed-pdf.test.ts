import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createRootCa, issueSigningCert, toPkcs12 } from "../pki";
import { signedOfficialPdf } from "./signed-pdf";

const require = createRequire(import.meta.url);
const font = new Uint8Array(readFileSync(require.resolve("@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf")));
const keys = () => {
  const k = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKeyPem: k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKeyPem: k.publicKey.export({ type: "spki", format: "pem" }).toString() };
};

describe("signed official PDFs", () => {
  const now = new Date("2026-11-23T02:00:00Z");
  const ca = createRootCa({ keys: keys(), serialHex: "01", now, years: 10, cn: "Tenderhall Test Root CA (test only)", org: "Tenderhall" });
  const signer = issueSigningCert({ ca, keys: keys(), serialHex: "02", now, years: 2, cn: "Tenderhall 平台文件签章", org: "大庆市公共资源交易中心" });
  const p12 = toPkcs12(signer, [ca.certPem], "test-only");

  it("refuses a non-ASCII CA name (it would break PKCS#7 issuer matching)", () => {
    expect(() => createRootCa({ keys: keys(), serialHex: "03", now, years: 1, cn: "根证书", org: "x" })).toThrow(RangeError);
  });

  it("renders Chinese text, is signed, and pdfsig reports the signature valid; one flipped byte is a digest mismatch", async () => {
    const t0 = performance.now();
    const pdf = await signedOfficialPdf(
      {
        title: "评标专家抽取记录",
        number: "编号 DRAW-TEST-001 · 第1版",
        meta: [
          ["项目名称", "大庆市第一中学教学楼改扩建工程施工招标"],
          ["抽取时间", "2026-11-23 10:00"],
        ],
        sections: [{ heading: "抽取结果", table: { headers: ["专业", "类别", "序号", "专家编号"], rows: [["A0101", "正式", "1", "E0001"]], widths: [2, 1, 1, 2] } }],
        footer: "本记录由平台自动生成并加盖电子签章。",
      },
      font,
      { p12, passphrase: "test-only", name: "Tenderhall", location: "大庆", reason: "专家抽取记录" },
      now,
    );
    const ms = performance.now() - t0;
    expect(pdf.length).toBeLessThan(150_000);
    expect(ms).toBeGreaterThan(0);
    const dir = mkdtempSync(path.join(tmpdir(), "th-pdf-"));
    const file = path.join(dir, "draw.pdf");
    writeFileSync(file, pdf);
    const sig = spawnSync("pdfsig", [file], { encoding: "utf8" });
    expect(sig.stdout).toContain("Signature is Valid");
    expect(sig.stdout).toContain("Tenderhall");
    // The text is really there (rendered glyphs, not tofu): pdftotext reads it back.
    const text = execFileSync("pdftotext", [file, "-"], { encoding: "utf8" });
    expect(text).toContain("评标专家抽取记录");
    expect(text).toContain("大庆市第一中学教学楼改扩建工程施工招标");
    // Flip one byte inside the signed range.
    const tampered = Buffer.from(pdf);
    const at = tampered.indexOf("评标") > 0 ? tampered.indexOf("/Title") + 10 : 200;
    tampered[at] = tampered[at]! ^ 0x01;
    const bad = path.join(dir, "bad.pdf");
    writeFileSync(bad, tampered);
    expect(spawnSync("pdfsig", [bad], { encoding: "utf8" }).stdout).toMatch(/Digest Mismatch|Signature is Invalid/);
  });
});
