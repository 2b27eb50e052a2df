import { parseWithZod } from "@conform-to/zod";
import { DomainError } from "#app/domain/errors";
import { EmploymentSchema, RelationshipSchema, StatusSchema, UnavailabilitySchema } from "#app/domain/expert-forms";
import type { Actor } from "../platform/actor";
import type { AppContext } from "../platform/context.server";
import { addDeclaration, removeDeclaration, setExpertStatus } from "./expert-profile.server";

/** Dispatches the profile forms (one action for /my-profile and /pool/:id). */
export async function handleProfileForm(app: AppContext, actor: Actor, expertId: string | "me", form: FormData): Promise<{ fieldErrors?: Record<string, string[] | null>; done?: string }> {
  const intent = String(form.get("intent") ?? "");
  const parse = <S extends Parameters<typeof parseWithZod>[1]["schema"]>(schema: S) => parseWithZod(form, { schema });
  if (intent === "relationship") {
    const s = parse(RelationshipSchema);
    if (s.status !== "success") return { fieldErrors: s.reply().error ?? {} };
    await addDeclaration(app, actor, expertId, { type: "relationship", ...(s.value as ReturnType<typeof RelationshipSchema.parse>) });
  } else if (intent === "employment") {
    const s = parse(EmploymentSchema);
    if (s.status !== "success") return { fieldErrors: s.reply().error ?? {} };
    await addDeclaration(app, actor, expertId, { type: "employment", ...(s.value as ReturnType<typeof EmploymentSchema.parse>) });
  } else if (intent === "unavailability") {
    const s = parse(UnavailabilitySchema);
    if (s.status !== "success") return { fieldErrors: s.reply().error ?? {} };
    await addDeclaration(app, actor, expertId, { type: "unavailability", ...(s.value as ReturnType<typeof UnavailabilitySchema.parse>) });
  } else if (intent === "remove") {
    const type = String(form.get("type"));
    if (type !== "relationship" && type !== "employment" && type !== "unavailability") throw new DomainError("VALIDATION", { field: "type" });
    await removeDeclaration(app, actor, expertId, type, String(form.get("id") ?? ""));
  } else if (intent === "status" && expertId !== "me") {
    const s = parse(StatusSchema);
    if (s.status !== "success") return { fieldErrors: s.reply().error ?? {} };
    await setExpertStatus(app, actor, expertId, s.value as ReturnType<typeof StatusSchema.parse>);
  } else throw new DomainError("VALIDATION", { field: "intent" });
  return { done: intent };
}
