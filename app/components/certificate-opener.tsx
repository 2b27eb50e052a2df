import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "#app/components/forms";
import { openP12File, p12ErrorPayload, type OpenedCertificate } from "#app/client/p12";
import type { ErrorPayload } from "#app/domain/errors";

/**
 * Opens the user's PKCS#12 file in the page (memory only; the key never leaves the browser): for the opening hall's
 * check-in, key release and shares, the review room's entry, declaration and report signature, and a bidder's signed
 * clarification answer. A wrong passphrase or file says so, never "make a new key" (the bidder's only key).
 */
export function CertificateOpener({ onOpened, label }: { onOpened: (c: OpenedCertificate) => void; label: string }) {
  const { t } = useTranslation("bids");
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      data-testid="p12-form"
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const file = f.get("p12");
        if (!(file instanceof File) || !file.size) return;
        setBusy(true);
        setError(null);
        openP12File(file, String(f.get("passphrase") ?? ""))
          .then(onOpened)
          .catch((err: unknown) => setError(p12ErrorPayload(err)))
          .finally(() => setBusy(false));
      }}
    >
      <fieldset disabled={busy}>
        <legend>{label}</legend>
        <label>
          {t("bid.p12File")}
          <input name="p12" type="file" accept=".p12,.pfx,application/x-pkcs12" required />
        </label>
        <label>
          {t("bid.passphrase")}
          <input name="passphrase" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit">{t("opening.openCert")}</button>
      </fieldset>
      <ErrorAlert error={error} />
    </form>
  );
}
