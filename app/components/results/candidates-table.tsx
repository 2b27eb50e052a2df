import { useTranslation } from "react-i18next";
import { formatMoney } from "#app/domain/money";

type Candidate = { bidId: string; rank: number; name: string; priceFen: number; total: string | null; projectManager: string };

/** The ranked candidates of a section (R47, R51), the winner marked once decided. */
export function CandidatesTable({ candidates, winnerBidId = null }: { candidates: Candidate[]; winnerBidId?: string | null }) {
  const { t } = useTranslation("results");
  return (
    <table>
      <thead>
        <tr>
          <th>{t("cols.rank")}</th>
          <th>{t("cols.bidder")}</th>
          <th className="num">{t("cols.price")}</th>
          <th>{t("cols.total")}</th>
          <th>{t("cols.manager")}</th>
        </tr>
      </thead>
      <tbody>
        {candidates.map((c) => (
          <tr key={c.bidId} className={winnerBidId === c.bidId ? "highlight" : undefined}>
            <td>{t("rank", { rank: c.rank })}</td>
            <td>
              {c.name}
              {winnerBidId === c.bidId && <strong> · {t("winner")}</strong>}
            </td>
            <td className="num">{formatMoney({ fen: c.priceFen })}</td>
            <td>{c.total ?? "—"}</td>
            <td>{c.projectManager || "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
