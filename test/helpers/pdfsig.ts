import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Checks a signed PDF the way a reader would, with poppler's `pdfsig`: as is, with the
 * platform CA in a fresh NSS trust store ("Certificate is Trusted"), and with one byte
 * flipped inside the signed range ("Digest Mismatch"). Returns the three reports and the text.
 */
export function checkSignedPdf(pdf: Uint8Array, caCertPem: string): { plain: string; trusted: string; tampered: string; text: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "th-pdfsig-"));
  try {
    const file = path.join(dir, "doc.pdf");
    writeFileSync(file, pdf);
    const nss = path.join(dir, "nss");
    spawnSync("mkdir", [nss]);
    const run = (cmd: string, args: string[]) => {
      const r = spawnSync(cmd, args, { encoding: "utf8" });
      if (r.error) throw r.error;
      return `${r.stdout}${r.stderr}`;
    };
    run("certutil", ["-N", "-d", `sql:${nss}`, "--empty-password"]);
    writeFileSync(path.join(dir, "ca.pem"), caCertPem);
    run("certutil", ["-A", "-d", `sql:${nss}`, "-n", "tenderhall-ca", "-t", "CT,C,C", "-i", path.join(dir, "ca.pem")]);
    // One byte inside the signed content (the first byte range), not the signature's own hex.
    const tampered = Buffer.from(pdf);
    const at = Math.floor(tampered.indexOf("/ByteRange") / 2);
    tampered[at] = tampered[at]! ^ 0x01;
    const bad = path.join(dir, "bad.pdf");
    writeFileSync(bad, tampered);
    return {
      plain: run("pdfsig", [file]),
      trusted: run("pdfsig", ["-nssdir", `sql:${nss}`, file]),
      tampered: run("pdfsig", [bad]),
      text: run("pdftotext", [file, "-"]),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
