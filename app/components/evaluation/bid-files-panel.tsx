import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { RoomView } from "./entry-panel";

/** A byte count for people (the file list). */
function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The bid files (issue 12 item 4; ADR 015 "Bid files"): every bid decrypted at the opening, in the order of the
 * reading, with its files. A seated member in the room opens one inline, in a frame of this page, from the room's
 * file route (each view recorded; no link leaves the room: the route answers 404 to anyone else). Others see the
 * list only. No sandbox attribute on the frame: Chromium's PDF viewer refuses sandboxed frames; the route's own
 * policy sandboxes every non-PDF file.
 */
export function BidFilesPanel({ view }: { view: RoomView }) {
  const { t } = useTranslation("evaluation");
  const r = view.review;
  const [open, setOpen] = useState<{ bidId: string; index: number; name: string } | null>(null);
  if (!r) return null;
  return (
    <section className="card" data-testid="bid-files">
      <h2>{t("files.title")}</h2>
      <p className="muted small">{r.canReadFiles ? t("files.recorded") : t("files.membersOnly")}</p>
      <table>
        <thead>
          <tr>
            <th>{t("files.order")}</th>
            <th>{t("files.bidder")}</th>
            <th>{t("files.price")}</th>
            <th>{t("files.files")}</th>
          </tr>
        </thead>
        <tbody>
          {r.bids.map((b) => (
            <tr key={b.bidId} data-bid={b.bidId}>
              <td>{b.order}</td>
              <td>{b.name}</td>
              <td className="mono">{b.priceYuan}</td>
              <td>
                {b.files.map((f) => (
                  <span key={f.index} className="file-entry">
                    {r.canReadFiles ? (
                      <button type="button" className="link-button" data-testid={`open-file-${b.order}-${f.index}`} onClick={() => setOpen({ bidId: b.bidId, index: f.index, name: f.name })}>
                        {f.index === 0 ? t("files.form") : f.name}
                      </button>
                    ) : (
                      <span>{f.index === 0 ? t("files.form") : f.name}</span>
                    )}{" "}
                    <span className="muted small">({size(f.size)})</span>{" "}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && r.canReadFiles && (
        <div data-testid="file-viewer">
          <p>
            <strong>{open.index === 0 ? t("files.form") : open.name}</strong>{" "}
            <button type="button" onClick={() => setOpen(null)}>
              {t("files.close")}
            </button>
          </p>
          <iframe
            key={`${open.bidId}/${open.index}`}
            title={open.name}
            src={`/evaluations/${view.sectionId}/bids/${open.bidId}/files/${open.index}`}
            referrerPolicy="no-referrer"
            style={{ width: "100%", height: "75vh", border: "1px solid #ccc" }}
          />
        </div>
      )}
    </section>
  );
}
