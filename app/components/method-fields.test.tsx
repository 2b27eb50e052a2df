import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { METHOD_KINDS, type MethodConfig } from "#app/domain/evaluation/method";
import { defaultMethodConfig, methodFormValues, type MethodFormValues } from "#app/domain/method-form";
import { MethodFields } from "./method-fields";
import { MethodSummary } from "./method-summary";

const html = (values: MethodFormValues, regime: "ZTB" | "ZFCG" = "ZTB") =>
  renderToString(<MethodFields prefix="sections[0]" values={values} regime={regime} errors={(n) => (n === "sections[0].criteria[0].max" ? ["invalid"] : undefined)} />);

describe("the method fields render what methodFromFields reads (EV5, EV6)", () => {
  it.each(METHOD_KINDS)("%s: every field of the saved configuration is in the form under sections[0].", (kind) => {
    const values = methodFormValues(defaultMethodConfig(kind));
    const out = html(values, kind.startsWith("ZFCG") ? "ZFCG" : "ZTB");
    expect(out).toContain(`name="sections[0].shownKind" value="${kind}"`);
    (values.review ?? []).forEach((_, k) => expect(out).toContain(`name="sections[0].review[${k}].label"`));
    (values.criteria ?? []).forEach((_, j) => expect(out).toContain(`name="sections[0].criteria[${j}].max"`));
    (values.trim ?? []).forEach((_, i) => expect(out).toContain(`name="sections[0].trim[${i}].dropHigh"`));
    if (values.policyDeductions?.length) expect(out).toContain(`name="sections[0].policyDeductions[0].pct"`);
  });

  it("a re-shown form carrying whatever a request sent (arrays for scalars, strings for lists) still renders", () => {
    const garbage = { method: ["ZTB_COMPREHENSIVE", "x"], shownKind: ["a"], criteria: "x", review: { a: 1 }, tieChain: "lot", benchmark: "x", rounding: ["1"], total: ["1", "2"] } as unknown as MethodFormValues;
    expect(() => html(garbage)).not.toThrow();
    expect(() => html({ method: "ZTB_COMPREHENSIVE", shownKind: "ZTB_COMPREHENSIVE", criteria: [null, { max: "abc" }] } as unknown as MethodFormValues)).not.toThrow();
  });

  it("the summary renders every kind's published configuration, and an unreadable one as such", () => {
    for (const kind of METHOD_KINDS) expect(renderToString(<MethodSummary method={defaultMethodConfig(kind)} />)).toContain("method.kinds");
    expect(renderToString(<MethodSummary method={null as MethodConfig | null} />)).toContain("method.view.unreadable");
  });
});
