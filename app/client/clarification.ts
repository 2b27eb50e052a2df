/**
 * Browser side of a bidder's clarification answer (R43): the answer is signed in the page with the key from the
 * bidder's PKCS#12 file (opened with app/client/p12.ts; the key never leaves the page) over exactly the bytes the
 * server rebuilds (app/domain/evaluation/clarification.ts `answerBytes`), including the SHA-256 of the question as
 * this page shows it.
 */
import { rsaSign } from "#crypto/keys";
import { toBase64 } from "#crypto/seal/format";
import { answerBytes, type AnswerDecision, type ClarificationKind } from "#app/domain/evaluation/clarification";

/** SHA-256 of a text (UTF-8), lowercase hex, with WebCrypto. */
export async function sha256HexOf(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** RSASSA-PKCS1-v1_5 / SHA-256 over the answer's bytes, base64. */
export async function signAnswerB64(
  a: { id: string; question: string; kind: ClarificationKind; decision: AnswerDecision; price: string | null; answer: string },
  privateKeyPkcs8: Uint8Array,
): Promise<string> {
  const bytes = answerBytes({ id: a.id, questionSha256: await sha256HexOf(a.question), kind: a.kind, decision: a.decision, price: a.price, answer: a.answer.trim() });
  return toBase64(await rsaSign(privateKeyPkcs8, bytes));
}
