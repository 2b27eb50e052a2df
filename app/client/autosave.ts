/**
 * Browser side of independent scoring's autosave (docs/evaluation-rules.md §4.5: "autosave each keystroke batch; a reload
 * restores the draft"; docs/product.md §3.5). Every change of a field is posted to the room route's action (`intent=save`,
 * app/services/evaluation/scoring.server.ts saveScore) after a short debounce and at most MAX_WAIT_MS after the
 * first unsaved keystroke, with the revision the page last saw; the server refuses a stale revision (CONFLICT).
 *
 * - It posts with `fetch` to the action's data URL (as the heartbeat does, app/client/room.ts) rather than a Remix
 *   fetcher: a fetcher's network failure lands in the route's error boundary, and a lost connection must instead
 *   keep the value and retry (with backoff) until it is saved.
 * - Every unsaved value is kept in localStorage (per section and seat) until the server acknowledged it, so a
 *   reload, a closed tab or a restart of the server loses nothing: on load, a draft whose base revision is still the
 *   server's is restored and saved again; a draft older than the server's value is dropped (the server has newer).
 * - One request at a time per page (saves of one member are ordered); the state of each field is shown
 *   (saving / saved / failed / conflict).
 */
import { roomDataUrl } from "./room";
import type { ErrorPayload } from "#app/domain/errors";

export const DEBOUNCE_MS = 600;
export const MAX_WAIT_MS = 2000;
const RETRY_MAX_MS = 15_000;

export type FieldState = "saved" | "pending" | "saving" | "failed" | "conflict";
export type Field = { value: string; rev: number; state: FieldState; error: ErrorPayload | null; savedAt: string | null };
export type Fields = Record<string, Field>;

/** What the server has for one field (the loader's `own` rows). */
export type ServerField = { key: string; value: string; rev: number };

/** The result of one post: saved (new revision), refused (with the error), or not delivered (retry later). */
export type SendResult = { kind: "saved"; rev: number; savedAt: string } | { kind: "refused"; error: ErrorPayload } | { kind: "offline" };

export const fieldKey = (bidId: string, itemId: string) => `${bidId}|${itemId}`;

const draftKey = (sectionId: string, seat: number) => `tenderhall.scores.${sectionId}.M${seat}`;
type Draft = Record<string, { value: string; rev: number }>;

function readDraft(storageKey: string): Draft {
  try {
    const raw = globalThis.localStorage?.getItem(storageKey);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (!parsed || typeof parsed !== "object") return {};
    const out: Draft = {};
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      const d = v as { value?: unknown; rev?: unknown };
      if (typeof d?.value === "string" && d.value.length <= 16 && Number.isSafeInteger(d.rev)) out[k] = { value: d.value, rev: d.rev as number };
    }
    return out;
  } catch {
    return {};
  }
}

function writeDraft(storageKey: string, draft: Draft) {
  try {
    if (Object.keys(draft).length) globalThis.localStorage?.setItem(storageKey, JSON.stringify(draft));
    else globalThis.localStorage?.removeItem(storageKey);
  } catch {
    // storage full or disabled: the values still go to the server
  }
}

/** One save through the room action; network errors and 5xx are "offline" (retried), domain refusals are final. */
export async function postScore(sectionId: string, csrf: string, bidId: string, itemId: string, value: string, rev: number): Promise<SendResult> {
  try {
    const body = new URLSearchParams({ _csrf: csrf, intent: "save", bidId, item: itemId, score: value, rev: String(rev) });
    const res = await fetch(roomDataUrl(sectionId), { method: "POST", body, credentials: "same-origin", headers: { accept: "application/json" } });
    if (res.status >= 500) return { kind: "offline" };
    const data = (await res.json()) as { saved?: { rev: number; savedAt: string }; error?: ErrorPayload };
    if (res.ok && data.saved) return { kind: "saved", rev: data.saved.rev, savedAt: data.saved.savedAt };
    if (data.error) return { kind: "refused", error: data.error };
    return { kind: "offline" };
  } catch {
    return { kind: "offline" };
  }
}

/**
 * The autosave queue of one member's sheet (framework-free, so it can be tested): `change` records a value,
 * `onChange` is told of every field state change. `send` posts one field (postScore in the page).
 */
export class AutosaveQueue {
  private fields: Fields = {};
  private due = new Map<string, number>();
  private firstUnsaved = new Map<string, number>();
  private busy = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private retryMs = 1000;
  private stopped = false;

  constructor(
    private readonly opts: {
      storageKey: string | null;
      send: (key: string, value: string, rev: number) => Promise<SendResult>;
      onChange: (fields: Fields) => void;
      now?: () => number;
    },
  ) {}

  private now() {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  /** Starts from the server's values, then restores unsaved drafts based on the same revision (a reload). */
  load(server: ServerField[]) {
    for (const s of server) this.fields[s.key] = { value: s.value, rev: s.rev, state: "saved", error: null, savedAt: null };
    if (this.opts.storageKey) {
      const draft = readDraft(this.opts.storageKey);
      for (const [key, d] of Object.entries(draft)) {
        const cur = this.fields[key];
        const serverRev = cur?.rev ?? 0;
        if (d.rev !== serverRev) continue; // the server has a newer value (another window, a submission): drop it
        if (cur && cur.value === d.value) continue;
        this.fields[key] = { value: d.value, rev: serverRev, state: "pending", error: null, savedAt: null };
        this.due.set(key, this.now());
        this.firstUnsaved.set(key, this.now());
      }
      this.persist();
    }
    this.emit();
    this.schedule();
  }

  snapshot(): Fields {
    return { ...this.fields };
  }

  /** A new value typed or chosen: saved within DEBOUNCE_MS of the last change, at most MAX_WAIT_MS after the first. */
  change(key: string, value: string) {
    const cur = this.fields[key];
    const t = this.now();
    this.fields[key] = { value, rev: cur?.rev ?? 0, state: "pending", error: null, savedAt: cur?.savedAt ?? null };
    if (!this.firstUnsaved.has(key)) this.firstUnsaved.set(key, t);
    this.due.set(key, Math.min(t + DEBOUNCE_MS, this.firstUnsaved.get(key)! + MAX_WAIT_MS));
    this.persist();
    this.emit();
    this.schedule();
  }

  /** After a conflict the member keeps its own value: saved again on top of the server's revision. */
  retry(key: string) {
    const cur = this.fields[key];
    if (!cur) return;
    this.fields[key] = { ...cur, state: "pending", error: null };
    this.due.set(key, this.now());
    this.schedule();
    this.emit();
  }

  /** Everything typed is saved (or refused): nothing pending or in flight. */
  get idle(): boolean {
    return !this.busy && this.due.size === 0;
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private persist() {
    if (!this.opts.storageKey) return;
    const draft: Draft = {};
    for (const [key, f] of Object.entries(this.fields)) if (f.state !== "saved" && !f.error) draft[key] = { value: f.value, rev: f.rev };
    writeDraft(this.opts.storageKey, draft);
  }

  private emit() {
    this.opts.onChange(this.snapshot());
  }

  private schedule() {
    if (this.stopped || this.busy || this.timer) return;
    if (!this.due.size) return;
    const next = Math.min(...this.due.values());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, Math.max(0, next - this.now()));
  }

  private async flush() {
    if (this.stopped || this.busy) return;
    const t = this.now();
    const ready = [...this.due.entries()].filter(([, at]) => at <= t).sort((a, b) => a[1] - b[1]);
    const first = ready[0];
    if (!first) return this.schedule();
    const key = first[0];
    const f = this.fields[key]!;
    this.due.delete(key);
    this.busy = true;
    this.fields[key] = { ...f, state: "saving" };
    this.emit();
    const sent = f.value;
    const res = await this.opts.send(key, sent, f.rev);
    this.busy = false;
    const cur = this.fields[key]!;
    if (res.kind === "saved") {
      this.retryMs = 1000;
      const changedMeanwhile = cur.value !== sent;
      this.fields[key] = { value: cur.value, rev: res.rev, state: changedMeanwhile ? "pending" : "saved", error: null, savedAt: res.savedAt };
      if (!changedMeanwhile) this.firstUnsaved.delete(key);
      else if (!this.due.has(key)) this.due.set(key, this.now());
    } else if (res.kind === "refused") {
      const conflict = res.error.code === "CONFLICT";
      const serverRev = conflict && typeof res.error.params.rev === "number" ? res.error.params.rev : cur.rev;
      // A newer value typed meanwhile is still sent (it may fix a refused one).
      const changedMeanwhile = cur.value !== sent && !conflict;
      this.fields[key] = { value: cur.value, rev: serverRev, state: changedMeanwhile ? "pending" : conflict ? "conflict" : "failed", error: res.error, savedAt: cur.savedAt };
      if (!changedMeanwhile) this.firstUnsaved.delete(key);
      else if (!this.due.has(key)) this.due.set(key, this.now());
    } else {
      // Not delivered: keep the value (and its draft) and try again later, with backoff.
      this.fields[key] = { ...cur, state: "failed", error: null };
      this.due.set(key, Math.max(this.due.get(key) ?? 0, this.now() + this.retryMs));
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    }
    this.persist();
    this.emit();
    this.schedule();
  }
}

/** The storage key of one member's drafts. */
export const autosaveStorageKey = draftKey;
