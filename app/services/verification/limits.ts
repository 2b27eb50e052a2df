/**
 * The public verification page's bounds (docs/decisions/026-public-verification-page.md), shared by the server and the
 * page (which prints them): the largest upload read — a PDF, a receipt or an archive export; larger archives are
 * checked offline with the commands of docs/archive.md — and the longest pasted receipt.
 */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
export const MAX_RECEIPT_CHARS = 64 * 1024;
