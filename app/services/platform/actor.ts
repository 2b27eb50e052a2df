import type { Role } from "#app/domain/roles";

/** Who performs a command or query: a signed-in user acting for one organisation, or the public/system. */
export type Actor = {
  user: { id: string; username: string; displayName: string } | null;
  /** The organisation the user acts for (the active membership). */
  orgId: string | null;
  orgKind: string | null;
  roles: Role[];
  ip: string | null;
  userAgent: string | null;
  /** True for scheduler/system commands (no user). */
  system?: boolean;
};

export const PUBLIC_ACTOR: Actor = { user: null, orgId: null, orgKind: null, roles: [], ip: null, userAgent: null };

export function systemActor(): Actor {
  return { ...PUBLIC_ACTOR, system: true };
}
