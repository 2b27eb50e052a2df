/**
 * Supervision alert detectors (docs/decisions/020-supervision-alerts.md): pure functions from plain rows to Alert[].
 * R23 collusion indicators in ./collusion.ts and ./prices.ts, process signals in ./process.ts.
 */
export * from "./alert";
export * from "./collusion";
export * from "./prices";
export * from "./process";
