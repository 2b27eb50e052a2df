import { yuanInCapitals } from "../money";

/**
 * A strict parser of amounts in Chinese financial capitals (人民币大写), the inverse of `yuanInCapitals`
 * (app/domain/money.ts): "玖佰贰拾伍万元整" → "9250000.00", "玖拾捌万伍仟元" → "985000.00", "壹元零伍分" → "1.05".
 * Used by the arithmetic corrections (R43: words beat figures). Accepted spellings, and nothing else:
 * - exactly the formatter's canonical form (one 零 per run of zeros, 万/亿/万亿 groups, 角/分, 整);
 * - an optional "人民币" prefix; 圆 for 元; 正 for 整; 整 omitted after 元 or 角 (never after 分);
 * - a leading bare 拾 for 壹拾 ("拾万元整" = 100000).
 * Anything else (a misplaced or missing 零, "壹拾拾", Arabic digits, spaces, 整 after 分) is refused: an amount
 * the committee cannot read unambiguously must be clarified, not guessed.
 */

const DIGIT: Record<string, number> = { 壹: 1, 贰: 2, 叁: 3, 肆: 4, 伍: 5, 陆: 6, 柒: 7, 捌: 8, 玖: 9 };
const D = "[壹贰叁肆伍陆柒捌玖]";
const GROUP_RE = new RegExp(`^(?:(${D})仟)?(?:(${D})佰)?(?:(${D})拾)?(${D})?$`);
const FRACTION_RE = new RegExp(`^(?:(${D})角)?(?:零?(${D})分)?(整)?$`);

export class CapitalsParseError extends RangeError {
  constructor(readonly input: string) {
    super(`not an amount in capitals: ${JSON.stringify(input)}`);
    this.name = "CapitalsParseError";
  }
}

/** One group of four digits (0…9999) without its 零s; null if malformed. */
function parseGroup(words: string): bigint | null {
  const m = GROUP_RE.exec(words.replace(/零/g, ""));
  if (!m) return null;
  return [m[1], m[2], m[3], m[4]].reduce((acc, d) => acc * 10n + BigInt(d ? DIGIT[d]! : 0), 0n);
}

/** Parse an amount in capitals; returns the amount in yuan with two decimals, or throws CapitalsParseError. */
export function parseYuanCapitals(input: string): string {
  if (typeof input !== "string" || input.length === 0 || input.length > 80) throw new CapitalsParseError(String(input));
  let t = input.startsWith("人民币") ? input.slice(3) : input;
  t = t.replace(/圆/g, "元").replace(/正$/, "整");
  if (t.endsWith("元") || t.endsWith("角")) t += "整";
  if (t.startsWith("拾")) t = `壹${t}`;

  const yuan = t.indexOf("元");
  const intWords = yuan >= 0 ? t.slice(0, yuan) : "";
  const fracWords = yuan >= 0 ? t.slice(yuan + 1) : t;
  const g = /^(?:(.+?)万亿)?(?:(.+?)亿)?(?:(.+?)万)?(.*)$/.exec(intWords);
  if (!g) throw new CapitalsParseError(input);
  let integer = 0n;
  for (const [i, part] of [g[1], g[2], g[3], g[4]].entries()) {
    const v = part === undefined || part === "" ? 0n : parseGroup(part);
    if (v === null) throw new CapitalsParseError(input);
    integer += v * 10n ** BigInt(4 * (3 - i));
  }
  const f = FRACTION_RE.exec(fracWords);
  if (!f) throw new CapitalsParseError(input);
  const amount = `${integer}.${f[1] ? DIGIT[f[1]] : 0}${f[2] ? DIGIT[f[2]] : 0}`;
  // The reading is accepted only if writing it back gives exactly the (normalised) input.
  let canonical: string;
  try {
    canonical = yuanInCapitals(amount);
  } catch {
    throw new CapitalsParseError(input);
  }
  if (canonical !== t) throw new CapitalsParseError(input);
  return amount;
}
