// One money formatter (app/domain/money.ts) with thousands separators, the same text on the server and in any
// browser locale; the countdown with days (app/domain/countdown.ts).
import { describe, expect, it } from "vitest";
import { countdownParts } from "#app/domain/countdown";
import { formatInteger, formatMoney } from "#app/domain/money";
import { formatYuan } from "#app/domain/tender-form";

describe("formatMoney", () => {
  it.each([
    [{ fen: 123456789 }, "¥1,234,567.89"],
    [{ fen: 385000000 }, "¥3,850,000.00"],
    [{ fen: 0 }, "¥0.00"],
    [{ fen: 5 }, "¥0.05"],
    [{ fen: 99 }, "¥0.99"],
    [{ fen: 100 }, "¥1.00"],
    [{ fen: -123456 }, "-¥1,234.56"],
    [{ yuan: "3765000.00" }, "¥3,765,000.00"],
    [{ yuan: "5298760.5" }, "¥5,298,760.50"],
    [{ yuan: "999" }, "¥999.00"],
    [{ yuan: "1000" }, "¥1,000.00"],
    [{ yuan: "0012345678" }, "¥12,345,678.00"],
  ])("%o → %s", (amount, text) => {
    expect(formatMoney(amount)).toBe(text);
  });

  it("without the sign for a column headed 元; formatYuan is the same function", () => {
    expect(formatMoney({ fen: 1180000000 }, { symbol: false })).toBe("11,800,000.00");
    expect(formatYuan(1180000000)).toBe("11,800,000.00");
    expect(formatYuan(null)).toBe("");
  });

  it("shows a sealed form's text that is not an amount as it is; nothing for nothing", () => {
    expect(formatMoney({ yuan: "（未解密）" })).toBe("（未解密）");
    expect(formatMoney(null)).toBe("");
    expect(formatMoney({ fen: Number.NaN })).toBe("");
  });

  it("does not depend on the runtime's locale (unlike toLocaleString)", () => {
    expect(formatInteger(1234567)).toBe("1,234,567");
    expect(formatInteger(999)).toBe("999");
    expect(formatInteger(-1000)).toBe("-1,000");
    expect((1234567).toLocaleString("de-DE")).toBe("1.234.567"); // what a German browser would have rendered
  });
});

describe("countdownParts", () => {
  const s = 1000;
  it.each([
    [(607 * 3600 + 19 * 60 + 24) * s, 25, "07:19:24"],
    [(24 * 3600) * s, 1, "00:00:00"],
    [(23 * 3600 + 59 * 60 + 59) * s, 0, "23:59:59"],
    [(3600 + 5) * s, 0, "01:00:05"],
    [(59 * 60 + 1) * s, 0, "59:01"],
    [999, 0, "00:00"],
    [-5000, 0, "00:00"],
  ])("%d ms → %d days %s", (ms, days, hms) => {
    expect(countdownParts(ms)).toMatchObject({ days, hms });
  });

  it("is done at zero", () => {
    expect(countdownParts(0).done).toBe(true);
    expect(countdownParts(1000).done).toBe(false);
  });
});
