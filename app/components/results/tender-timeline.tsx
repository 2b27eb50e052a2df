import { useTranslation } from "react-i18next";
import type { TimelineEntry } from "#app/domain/timeline";
import { formatCst } from "#app/domain/tender-form";

/** The tender's every stage with its date (app/domain/timeline.ts), oldest first; scheduled ones marked. */
export function TenderTimeline({ entries }: { entries: TimelineEntry[] }) {
  const { t } = useTranslation("portal");
  return (
    <ol className="tender-timeline" data-testid="tender-timeline">
      {entries.map((e, i) => {
        const when = e.day ?? (e.kind === "publicity_ends" ? `${formatCst(new Date(new Date(e.at).getTime() - 1)).slice(0, 10)} 24:00` : formatCst(e.at));
        let text = t(`timeline.kinds.${e.kind}`, e.params);
        if (e.kind === "amended" && e.params.deadline) text += t("timeline.extendedTo", { at: formatCst(String(e.params.deadline)) });
        if (e.kind === "winner_decided" && e.params.mode === "deemed") text += t("timeline.deemed");
        if (e.kind === "result_ended" && e.params.reason) text += t(`timeline.reasons.${e.params.reason}`);
        return (
          <li key={i} className={e.upcoming ? "upcoming" : undefined} data-kind={e.kind}>
            <time dateTime={e.at}>{when}</time>
            {e.sectionCode && <span className="tag">{t("timeline.section", { code: e.sectionCode })}</span>}
            <span>{text}</span>
            {e.upcoming && <span className="muted small">（{t("timeline.upcoming")}）</span>}
          </li>
        );
      })}
    </ol>
  );
}
