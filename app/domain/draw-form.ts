import { z } from "zod";
import { CstDateTimeSchema } from "./cst-time";
import { MAX_DRAW_LINES } from "./limits";

/** The draw request form (tender side). Up to three specialty lines; blank lines are ignored. */
const cstDateTime = CstDateTimeSchema;

export const DrawRequestSchema = z.object({
  sectionId: z.string().uuid("required"),
  regionMode: z.enum(["local", "remote", "any"]),
  evaluationAt: cstDateTime,
  lines: z
    .array(
      z.object({
        specialty: z.string().trim().max(20, "tooLong").default(""),
        count: z.preprocess((v) => (v === "" || v == null ? 0 : v), z.coerce.number().int().min(0).max(21)),
        backups: z.preprocess((v) => (v === "" || v == null ? 0 : v), z.coerce.number().int().min(0).max(10)),
      }),
    )
    .max(MAX_DRAW_LINES, "tooMany")
    .transform((ls) => ls.filter((l) => l.specialty && l.count > 0))
    .refine((ls) => ls.length > 0, "required"),
  /** One per line: "<expert code> <reason>" (manual avoidance must give a reason). */
  avoid: z
    .string()
    .max(5000, "tooLong")
    .default("")
    .transform((text, ctx) =>
      text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) => {
          const [expertCode = "", ...rest] = l.split(/[\s,，]+/);
          const reason = rest.join(" ").trim();
          if (!reason) ctx.addIssue({ code: "custom", message: "avoidReason" });
          return { expertCode, reason };
        }),
    ),
});
