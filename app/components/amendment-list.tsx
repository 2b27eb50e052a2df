import { useTranslation } from "react-i18next";
import { formatCst } from "#app/domain/tender-form";

export type AmendmentView = {
  id: string;
  seq: number;
  title: string;
  body: string;
  issuedAt: string;
  extended: boolean;
  previousDeadline: string;
  newDeadline: string;
  documentVersion: number | null;
};

/** Clarifications and amendments of a tender, with R10 deadline moves (public and management pages). */
export function AmendmentList({ amendments }: { amendments: AmendmentView[] }) {
  const { t } = useTranslation("tender");
  if (amendments.length === 0) return <p className="muted">{t("amendments.empty")}</p>;
  return (
    <>
      {amendments.map((a) => (
        <div className="card" key={a.id} id={`amendment-${a.seq}`}>
          <h3>
            {t("amendments.no", { seq: a.seq })} {a.title}
          </h3>
          <p className="notice-body">{a.body}</p>
          <p className="muted small">
            {formatCst(a.issuedAt)}
            {a.extended && ` · ${t("amendments.extended", { from: formatCst(a.previousDeadline), to: formatCst(a.newDeadline) })}`}
            {a.documentVersion ? ` · ${t("amendments.docVersion", { v: a.documentVersion })}` : ""}
          </p>
        </div>
      ))}
    </>
  );
}
