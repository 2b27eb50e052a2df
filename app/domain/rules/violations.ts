/** A broken rule: its number (RULES.md), a stable code (translated as `rules:<code>`) and parameters. */
export type RuleNumber = `R${number}`;

export type RuleViolation = {
  rule: RuleNumber;
  code: string;
  params: Record<string, string | number>;
};

export class RuleError extends Error {
  readonly code = "RULE_VIOLATION";
  constructor(readonly violations: RuleViolation[]) {
    super(violations.map((v) => `${v.rule} ${v.code}`).join(", "));
    this.name = "RuleError";
  }
}
