/**
 * An amount in yuan written in Chinese financial capitals (人民币大写), as read out and written
 * in opening records: 壹贰叁肆伍陆柒捌玖 with 拾佰仟 inside each group of four digits and
 * 万/亿/万亿 between groups; one 零 for any run of zeros between non-zero digits; 元, then
 * 角 and 分, or 整 when there are no 分. Input: a non-negative decimal string with at most two
 * decimals and at most 16 integer digits (as the bid form holds it). Pure.
 */
const DIGITS = "零壹贰叁肆伍陆柒捌玖";
const IN_GROUP = ["仟", "佰", "拾", ""];
const GROUPS = ["", "万", "亿", "万亿"];

export function yuanInCapitals(amount: string): string {
  const m = /^(\d{1,16})(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!m) throw new RangeError(`not an amount: ${amount}`);
  const integer = m[1]!.replace(/^0+(?=\d)/, "");
  const [jiao, fen] = [Number((m[2] ?? "0").padEnd(2, "0")[0]), Number((m[2] ?? "0").padEnd(2, "0")[1])];

  let out = "";
  let zero = false;
  const groups = integer.padStart(Math.ceil(integer.length / 4) * 4, "0").match(/\d{4}/g)!;
  groups.forEach((g, gi) => {
    let any = false;
    for (let i = 0; i < 4; i++) {
      const d = Number(g[i]);
      if (d === 0) {
        zero = out.length > 0;
        continue;
      }
      if (zero) out += "零";
      out += DIGITS[d]! + IN_GROUP[i]!;
      zero = false;
      any = true;
    }
    if (any) out += GROUPS[groups.length - 1 - gi]!;
  });
  if (out) out += "元";

  if (jiao === 0 && fen === 0) return out ? `${out}整` : "零元整";
  if (jiao) out += `${DIGITS[jiao]}角`;
  else if (out) out += "零";
  return fen ? `${out}${DIGITS[fen]}分` : `${out}整`;
}

/** As `yuanInCapitals`, or "" for a string that is not an amount (a sealed bid form is shown as sealed). */
export function capitalsOrBlank(amount: string): string {
  try {
    return yuanInCapitals(amount);
  } catch {
    return "";
  }
}
