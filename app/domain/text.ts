/**
 * Text that users type ends up in official documents, the record and PostgreSQL (which
 * refuses U+0000 in text). Control characters other than tab, line feed and carriage return
 * are refused, not silently stripped: an official text must be stored as it was submitted,
 * or not at all. Pure.
 */
// C0 controls except \t \n \r, DEL, and the C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export function hasControlCharacter(s: string): boolean {
  return CONTROL.test(s);
}

/** The first offending character as `U+0000`, for logs and tests. */
export function firstControlCharacter(s: string): string | null {
  const m = CONTROL.exec(s);
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}` : null;
}
