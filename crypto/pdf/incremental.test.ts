// Incremental updates that add one signature field (crypto/pdf/incremental.ts): the input bytes stay a prefix, the
// update has its own xref section and a trailer chained with /Prev, and reading follows that chain.
import { PDFDocument } from "@cantoo/pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { notoSansSc, REPORT_TIME, reportDocument } from "#test/fixtures/report-signatures/committee";
import { appendSignatureField, byteRangeBytes, fillContents, indexPdf, IncrementalError, lastPlaceholder, readSignatures, revisionEnds, type SignatureFieldInput } from "./incremental";
import { renderOfficialPdf } from "./signed-pdf";

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");
const field = (n: number, extra: Partial<SignatureFieldInput> = {}): SignatureFieldInput => ({
  fieldName: `评标委员会成员 ${n} 签名`,
  name: `成员${n}`,
  reason: "评标委员会成员签署评标报告",
  location: "大庆",
  signingTime: REPORT_TIME,
  ...extra,
});
const codeOf = (f: () => unknown) => {
  try {
    f();
    return "no error";
  } catch (e) {
    expect(e).toBeInstanceOf(IncrementalError);
    return (e as IncrementalError).code;
  }
};

describe("incremental signature fields", () => {
  let base: Uint8Array;
  beforeAll(async () => {
    base = await renderOfficialPdf(reportDocument({ pages: 2, members: [{ name: "张伟", organisation: "大庆石油学院" }] }), notoSansSc(), REPORT_TIME);
  });

  it("appends the field as an update: the input is a prefix, the new section points back with /Prev", () => {
    const before = indexPdf(base);
    const one = appendSignatureField(base, field(1));
    expect(Buffer.from(one.pdf.subarray(0, base.length)).equals(Buffer.from(base))).toBe(true);
    expect(one.revisionStart).toBe(base.length);
    const update = latin1(one.pdf.subarray(base.length));
    expect(update).toMatch(/^\n\d+ 0 obj\n<<\n\/Type \/Sig\n\/Filter \/Adobe\.PPKLite\n\/SubFilter \/ETSI\.CAdES\.detached\n\/M \(D:20261123020000Z\)\n/);
    expect(update).toMatch(/\/Rect \[ 0 0 0 0 \]/);
    expect(update).toContain(`/Prev ${before.startxref}`);
    expect(update).toMatch(/\nstartxref\n\d+\n%%EOF$/);
    const after = indexPdf(one.pdf);
    expect(after.sections).toHaveLength(2);
    expect(after.root.toString()).toBe(before.root.toString());
    expect(after.info?.toString()).toBe(before.info?.toString());
    // New objects: signature, widget, AcroForm, the page's /Annots array (the catalog and page are rewritten).
    expect(after.size).toBe(before.size + 4);
    expect(one.signatureObject).toBe(before.size);
    // The ByteRange covers everything but the /Contents hex string, to the end of the file.
    const [a, b, c, d] = one.byteRange;
    expect(a).toBe(0);
    expect(c + d).toBe(one.pdf.length);
    expect(one.pdf[b]).toBe(0x3c);
    expect(one.pdf[c - 1]).toBe(0x3e);
    expect(c - b).toBe(8192 * 2 + 2);
    expect(latin1(one.pdf)).toContain(`/ByteRange [0 ${b} ${c} ${d}`);
    expect(byteRangeBytes(one.pdf, one.byteRange).length).toBe(one.pdf.length - (c - b));
    expect(lastPlaceholder(one.pdf).fieldName).toBe("评标委员会成员 1 签名");
  });

  it("is deterministic: the same input gives the same bytes (the server may re-derive the prepared file)", () => {
    expect(Buffer.from(appendSignatureField(base, field(1)).pdf).equals(Buffer.from(appendSignatureField(base, field(1)).pdf))).toBe(true);
  });

  it("follows the /Prev chain across several updates and keeps every field", () => {
    let pdf = base;
    const ends: number[] = [base.length];
    for (let n = 1; n <= 4; n++) {
      const next = appendSignatureField(pdf, field(n));
      // A placeholder is filled with anything DER-shaped to let the next one follow (signatures are tested elsewhere).
      pdf = fillContents(next.pdf, next.byteRange, new Uint8Array([0x30, 0x03, 0x02, 0x01, n]));
      ends.push(pdf.length);
    }
    const ix = indexPdf(pdf);
    expect(ix.sections).toHaveLength(5);
    expect(ix.sections.map((s) => s.prev)).toEqual([...ix.sections.slice(1).map((s) => s.offset), null]);
    expect(revisionEnds(pdf)).toEqual(ends);
    const sigs = readSignatures(pdf);
    expect(sigs.map((s) => s.fieldName)).toEqual([1, 2, 3, 4].map((n) => `评标委员会成员 ${n} 签名`));
    expect(sigs.map((s) => s.name)).toEqual(["成员1", "成员2", "成员3", "成员4"]);
    expect(sigs[3]!.cms).toEqual(new Uint8Array([0x30, 0x03, 0x02, 0x01, 4]));
    expect(sigs.every((s) => s.subFilter === "ETSI.CAdES.detached" && s.reason === "评标委员会成员签署评标报告" && s.location === "大庆" && s.m === "D:20261123020000Z")).toBe(true);
    // Only the first signer rewrote the page; later ones rewrite the small /Annots array.
    const third = latin1(pdf.subarray(ends[2], ends[3]));
    expect(third).not.toContain("/Type /Page\n");
    // pdf-lib still reads the result, with every widget on the first page.
    return PDFDocument.load(pdf).then((doc) => expect(doc.getPages()[0]!.node.Annots()?.size()).toBe(4));
  });

  it("refuses a duplicate or dotted field name, a filled placeholder, and a CMS larger than the room", () => {
    const one = appendSignatureField(base, field(1));
    const signed = fillContents(one.pdf, one.byteRange, new Uint8Array([0x30, 0x00]));
    expect(codeOf(() => appendSignatureField(signed, field(1)))).toBe("DUPLICATE_FIELD");
    expect(codeOf(() => appendSignatureField(signed, field(2, { fieldName: "a.b" })))).toBe("BAD_FIELD_NAME");
    expect(codeOf(() => appendSignatureField(signed, field(2, { fieldName: " " })))).toBe("BAD_FIELD_NAME");
    expect(codeOf(() => lastPlaceholder(signed))).toBe("NO_PLACEHOLDER");
    expect(codeOf(() => lastPlaceholder(base))).toBe("NO_PLACEHOLDER");
    const small = appendSignatureField(base, field(1, { contentsBytes: 16 }));
    expect(codeOf(() => fillContents(small.pdf, small.byteRange, new Uint8Array(17)))).toBe("CMS_TOO_LARGE");
  });

  it("refuses files it cannot update safely: cross-reference streams, no trailer", async () => {
    const doc = await PDFDocument.load(base);
    const withStreams = await doc.save({ useObjectStreams: true });
    expect(codeOf(() => appendSignatureField(withStreams, field(1)))).toBe("UNSUPPORTED_XREF");
    expect(codeOf(() => appendSignatureField(base.subarray(0, base.length - 10), field(1)))).toBe("BAD_PDF");
  });
});
