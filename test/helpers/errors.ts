import { DomainError } from "#app/domain/errors";

/** The DomainError a command refused with, or null when it succeeded (other errors propagate). */
export const failure = (p: Promise<unknown>): Promise<DomainError | null> =>
  p.then(
    () => null,
    (e: unknown) => {
      if (e instanceof DomainError) return e;
      throw e;
    },
  );

/** The rule codes of a refusal (or its error code when it names no rule). */
export const ruleOf = (e: DomainError | null) => e?.violations.map((v) => v.code) ?? e?.code;
