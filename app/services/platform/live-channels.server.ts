import type { Actor } from "./actor";

/**
 * Live channels and who may subscribe:
 * - `portal`: public tender list changes (anyone);
 * - `tender:<projectId>`: public events of one tender (anyone);
 * - `user:<userId>`: a user's inbox (that user only).
 */
export const channels = {
  portal: () => "portal",
  tender: (projectId: string) => `tender:${projectId}`,
  user: (userId: string) => `user:${userId}`,
  /** One opening hall (不见面开标): public events only (what may be public at that moment, R26/R28). */
  opening: (sectionId: string) => `opening:${sectionId}`,
};

export function canSubscribe(actor: Actor | null, channel: string): boolean {
  if (channel === "portal" || /^(tender|opening):[0-9a-f-]{36}$/.test(channel)) return true;
  const m = /^user:([0-9a-f-]{36})$/.exec(channel);
  return !!m && actor?.user?.id === m[1];
}
