import { fromLegacySpec, parseMethodConfig, type LegacyEvaluationSpec, type MethodConfig, type Regime } from "./method";

/**
 * The method configuration a section was published with (sections.evaluation): a MethodConfig (has `kind`), or a
 * spec of the earlier simple form, converted (fromLegacySpec). Throws on anything malformed.
 */
export function sectionMethod(stored: unknown, regime: Regime): MethodConfig {
  if (stored && typeof stored === "object" && "kind" in stored) return parseMethodConfig(stored);
  return fromLegacySpec(stored as LegacyEvaluationSpec, regime);
}
