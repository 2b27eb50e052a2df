/**
 * A countdown to an instant, as the bid page and the opening hall show it: days, then hours:minutes:seconds —
 * "25 天 07:19:24" rather than "607:19:24". Pure (the caller passes the milliseconds left, from the server's clock,
 * so the server's HTML and the browser's first render agree).
 */
export type CountdownParts = { days: number; hms: string; done: boolean };

const pad = (n: number) => String(n).padStart(2, "0");

export function countdownParts(msLeft: number): CountdownParts {
  const s = Math.floor(Math.max(0, msLeft) / 1000);
  const days = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  // With days or hours left: HH:MM:SS; in the last hour: MM:SS.
  const hms = days > 0 || hh > 0 ? `${pad(hh)}:${pad(mm)}:${pad(ss)}` : `${pad(mm)}:${pad(ss)}`;
  return { days, hms, done: s === 0 };
}
