import type { RuleViolation } from "./rules/violations";

/**
 * Domain errors carry a stable code and parameters; they are mapped to an HTTP status in
 * one place (`httpStatusOf`) and translated at the edge from the zh-CN / en catalogs.
 */
export type DomainErrorCode =
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "UNAUTHENTICATED"
  | "CSRF"
  | "VALIDATION"
  | "CONFLICT"
  | "RATE_LIMITED"
  | "INVALID_CREDENTIALS"
  | "RULE_VIOLATION"
  | "INVALID_STATE"
  | "CERT_ENROLMENT_DISABLED"
  | "CERT_REQUEST_INVALID"
  | "CERT_UNKNOWN"
  | "CERT_NOT_YOURS"
  | "CERT_REVOKED"
  | "CERT_UNTRUSTED"
  | "CHALLENGE_INVALID"
  | "CUSTODIAN_CERT_MISSING"
  | "UPLOAD_INVALID"
  | "UPLOAD_NOT_FOUND"
  // Room bookings (app/services/rooms): an overlap refused by the database, a room with too few seats.
  | "ROOM_BOOKED"
  | "ROOM_TOO_SMALL"
  // The server edge (server/errors.ts): requests refused before any service sees them.
  | "CROSS_ORIGIN"
  | "MALFORMED_REQUEST"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "INTERNAL"
  // Form input refused by readForm (app/domain/form-input.ts) before any action reads it.
  | "CONTROL_CHARACTER"
  | "TOO_MANY_ITEMS"
  // An opened bid's stored ciphertext no longer verifies when it is read back (docs/decisions/031): nothing is served.
  | "STORED_FILE_CORRUPT";

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly params: Record<string, string | number>;
  readonly violations: RuleViolation[];
  constructor(code: DomainErrorCode, params: Record<string, string | number> = {}, violations: RuleViolation[] = []) {
    super(`${code}${Object.keys(params).length ? ` ${JSON.stringify(params)}` : ""}`);
    this.name = "DomainError";
    this.code = code;
    this.params = params;
    this.violations = violations;
  }
}

const STATUS: Record<DomainErrorCode, number> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  CSRF: 403,
  VALIDATION: 400,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  INVALID_CREDENTIALS: 401,
  RULE_VIOLATION: 422,
  INVALID_STATE: 409,
  CERT_ENROLMENT_DISABLED: 503,
  CERT_REQUEST_INVALID: 400,
  CERT_UNKNOWN: 400,
  CERT_NOT_YOURS: 403,
  CERT_REVOKED: 403,
  CERT_UNTRUSTED: 403,
  CHALLENGE_INVALID: 400,
  CUSTODIAN_CERT_MISSING: 422,
  UPLOAD_INVALID: 400,
  UPLOAD_NOT_FOUND: 404,
  ROOM_BOOKED: 409,
  ROOM_TOO_SMALL: 422,
  CROSS_ORIGIN: 403,
  MALFORMED_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  CONTROL_CHARACTER: 400,
  TOO_MANY_ITEMS: 400,
  STORED_FILE_CORRUPT: 500,
};

export function httpStatusOf(code: DomainErrorCode): number {
  return STATUS[code];
}

/** The serialisable shape sent to the UI, which translates `code` (and each violation's code). */
export type ErrorPayload = { code: DomainErrorCode; params: Record<string, string | number>; violations: RuleViolation[] };

export function toErrorPayload(e: DomainError): ErrorPayload {
  return { code: e.code, params: e.params, violations: e.violations };
}
