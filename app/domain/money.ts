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

/** An amount of money: integer fen (分) as the database holds it, or a yuan decimal string as a bid form holds it. */
export type Money = { fen: number } | { yuan: string };

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Integer fen as a plain yuan amount with two decimals ("1234567.89"), by integer arithmetic (no binary rounding). */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an amount in fen: ${fen}`);
  const abs = String(Math.abs(fen)).padStart(3, "0");
  return `${fen < 0 ? "-" : ""}${abs.slice(0, -2)}.${abs.slice(-2)}`;
}

/**
 * An integer with thousands separators ("1,234,567"), the same on the server and in every browser locale (unlike
 * `toLocaleString()`, which follows the runtime's locale and so differs between the server's HTML and hydration).
 */
export function formatInteger(n: number): string {
  if (!Number.isFinite(n)) return "";
  const i = Math.trunc(n);
  return `${i < 0 ? "-" : ""}${groupThousands(String(Math.abs(i)))}`;
}

/**
 * The one way the UI writes an amount of money: yuan with thousands separators and two decimals, "¥1,234,567.89"
 * (`symbol: false` → "1,234,567.89", for a column headed 元). Deterministic — no Intl, so the server and the
 * browser render the same text whatever their locale. A yuan string that is not an amount (a sealed form may hold
 * anything) is shown as it is; null/undefined → "".
 */
export function formatMoney(amount: Money | null | undefined, opts: { symbol?: boolean } = {}): string {
  if (!amount) return "";
  const symbol = opts.symbol === false ? "" : "¥";
  let negative = false;
  let integer: string;
  let decimals: string;
  if ("fen" in amount) {
    if (!Number.isFinite(amount.fen)) return "";
    const fen = Math.round(amount.fen);
    negative = fen < 0;
    const abs = String(Math.abs(fen)).padStart(3, "0");
    integer = abs.slice(0, -2).replace(/^0+(?=\d)/, "");
    decimals = abs.slice(-2);
  } else {
    const m = /^(\d{1,16})(?:\.(\d{1,2}))?$/.exec(amount.yuan.trim());
    if (!m) return amount.yuan;
    integer = m[1]!.replace(/^0+(?=\d)/, "");
    decimals = (m[2] ?? "").padEnd(2, "0");
  }
  return `${negative ? "-" : ""}${symbol}${groupThousands(integer)}.${decimals}`;
}
