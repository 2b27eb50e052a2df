import { canonicalJson } from "../crypto/canonical-json";
import { HmacDrbg } from "./drbg";
import { sha256Hex } from "./seed";

/** One line of a draw request: a specialty (a node of the code tree) and how many experts. */
export type DrawLine = { specialty: string; count: number; backups: number };

/** An eligible candidate: its id and specialty codes (leaf codes of the taxonomy). */
export type Candidate = { id: string; specialties: readonly string[] };

export type Pick = { expertId: string; specialty: string; role: "member" | "backup"; order: number };

export type DrawResult = {
  picks: Pick[];
  /** Lines that could not be filled (R37: report, never silently shrink the committee). */
  shortfalls: { specialty: string; wanted: number; available: number }[];
  /** SHA-256 of the canonical input (lines + sorted candidate ids with specialties): what the seed was applied to. */
  inputHash: string;
};

/**
 * A candidate matches a requested specialty when one of its codes is that node or below it
 * in the tree. Codes are fixed-width per level (评标专家专业分类标准 style: "A", "A08",
 * "A0801", "A080101"), so ancestry is a prefix.
 */
export function matchesSpecialty(codes: readonly string[], requested: string): boolean {
  return codes.some((c) => c.startsWith(requested));
}

/**
 * The draw (R35): pure and deterministic given the seed and the candidate list.
 * 1. Candidates are sorted by id; lines by specialty code (input order does not matter).
 * 2. For each line, the pool is every candidate matching the specialty not yet picked; a
 *    partial Fisher–Yates shuffle driven by HMAC_DRBG-SHA256 (`uniform`) picks
 *    `count + backups` of them: the first `count` are members, the rest backups, in order.
 */
export function drawExperts(seed: Uint8Array, lines: readonly DrawLine[], candidates: readonly Candidate[], known?: { inputHash: string }): DrawResult {
  const sortedLines = sortLines(lines);
  const sorted = sortCandidates(candidates);
  // The input hash of a committed pool is computed once, at the request (inputHashOf over the same list), and given here.
  const inputHash = known?.inputHash ?? hashInput(sortedLines, sorted);
  const rng = new HmacDrbg(seed);
  const taken = new Set<string>();
  const picks: Pick[] = [];
  const shortfalls: DrawResult["shortfalls"] = [];
  for (const line of sortedLines) {
    const pool = sorted.filter((c) => !taken.has(c.id) && matchesSpecialty(c.specialties, line.specialty)).map((c) => c.id);
    const want = line.count + line.backups;
    if (pool.length < want) shortfalls.push({ specialty: line.specialty, wanted: want, available: pool.length });
    const k = Math.min(want, pool.length);
    for (let i = 0; i < k; i++) {
      const j = i + rng.uniform(pool.length - i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      const id = pool[i]!;
      taken.add(id);
      picks.push({ expertId: id, specialty: line.specialty, role: i < line.count ? "member" : "backup", order: i + 1 });
    }
  }
  return { picks, shortfalls, inputHash };
}

function sortLines(lines: readonly DrawLine[]): DrawLine[] {
  return [...lines].sort((a, b) => (a.specialty < b.specialty ? -1 : a.specialty > b.specialty ? 1 : 0));
}

function sortCandidates(candidates: readonly Candidate[]): Candidate[] {
  const sorted = [...candidates].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.id === sorted[i - 1]!.id) throw new RangeError(`duplicate candidate ${sorted[i]!.id}`);
  return sorted;
}

function hashInput(sortedLines: readonly DrawLine[], sorted: readonly Candidate[]): string {
  return sha256Hex(
    canonicalJson({
      lines: sortedLines.map((l) => [l.specialty, l.count, l.backups]),
      candidates: sorted.map((c) => [c.id, [...c.specialties].sort()]),
    }),
  );
}

/** The draw's inputHash (docs/draw-proof.md §7.2) without drawing: what drawExperts returns for the same lines and candidates. */
export function inputHashOf(lines: readonly DrawLine[], candidates: readonly Candidate[]): string {
  return hashInput(sortLines(lines), sortCandidates(candidates));
}

/** For each line in draw order (sorted by specialty), how many of the candidates match it (before any pick). */
export function lineCountsOf(lines: readonly DrawLine[], candidates: readonly Candidate[]): number[] {
  return sortLines(lines).map((l) => candidates.reduce((n, c) => n + (matchesSpecialty(c.specialties, l.specialty) ? 1 : 0), 0));
}

/** A drawn position of the sorted candidate list (drawPositions), with the pick's role and order. */
export type DrawnPosition = { index: number; role: "member" | "backup"; order: number };

/**
 * The draw of one line that every one of the `n` sorted candidates matches — the common request — by positions:
 * the same generator reads and the same swaps as drawExperts (whose pool is then the whole sorted list), kept
 * sparse, so that only the drawn entries of the list need to be read. drawExperts over the list gives, for each
 * returned position `index`, the pick of the candidate at that position, in this order; the shortfall is the same.
 */
export function drawPositions(seed: Uint8Array, line: DrawLine, n: number): { positions: DrawnPosition[]; shortfalls: DrawResult["shortfalls"] } {
  const want = line.count + line.backups;
  const shortfalls = n < want ? [{ specialty: line.specialty, wanted: want, available: n }] : [];
  const rng = new HmacDrbg(seed);
  const moved = new Map<number, number>(); // position → the list index now there (absent: its own)
  const at = (p: number) => moved.get(p) ?? p;
  const positions: DrawnPosition[] = [];
  const k = Math.min(want, n);
  for (let i = 0; i < k; i++) {
    const j = i + rng.uniform(n - i);
    const [vi, vj] = [at(i), at(j)];
    moved.set(i, vj);
    moved.set(j, vi);
    positions.push({ index: vj, role: i < line.count ? "member" : "backup", order: i + 1 });
  }
  return { positions, shortfalls };
}
