import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCst } from "#app/domain/tender-form";
import { listMyBids } from "#app/services/bids/my-bids.server";
import { useLiveRevalidate } from "#app/utils/live";
import { requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "我的投标 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "bid:submit");
  return json(await listMyBids(context.app.db, actor));
}

const MB = 1024 * 1024;

const TAG: Record<string, string> = {
  uploading: "tag-suspended",
  sealed: "tag-published",
  awaiting_opening: "tag-closed",
  opening_pending: "tag-suspended",
  decrypted: "tag-published",
  read_out: "tag-published",
  opening_closed: "tag-closed",
  withdrawn: "tag-closed",
  revoked: "tag-terminated",
  not_opened: "tag-terminated",
  failed: "tag-terminated",
};

/** The bidder's own bids: every section it has bid on or is uploading to, with its state, receipts and halls. */
export default function MyBids() {
  const { rows } = useLoaderData<typeof loader>();
  const { t } = useTranslation("bids");
  // Halls of these sections move on live (opening, reading, closing).
  useLiveRevalidate(rows.filter((r) => r.hall).map((r) => `opening:${r.section.id}`));
  return (
    <>
      <h1>{t("myBids.title")}</h1>
      <p className="muted">{t("myBids.intro")}</p>
      {rows.length === 0 ? (
        <p className="card muted" data-testid="my-bids-empty">
          {t("myBids.empty")} <Link to="/">{t("myBids.findTenders")}</Link>
        </p>
      ) : (
        <div className="table-scroll">
          <table data-testid="my-bids">
            <thead>
              <tr>
                <th>{t("myBids.tender")}</th>
                <th>{t("myBids.section")}</th>
                <th>{t("myBids.state")}</th>
                <th>{t("myBids.version")}</th>
                <th>{t("myBids.deadline")}</th>
                <th>{t("myBids.links")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.section.id} data-section={r.section.id} data-state={r.state}>
                  <td>
                    <Link to={`/tenders/${r.project.id}`}>{r.project.title}</Link>
                    <div className="muted small">{r.project.code}</div>
                  </td>
                  <td>
                    {r.section.code} {r.section.title}
                  </td>
                  <td>
                    <span className={`tag ${TAG[r.state] ?? ""}`} data-testid="my-bid-state">
                      {t(`myBids.states.${r.state}`)}
                    </span>
                    {r.latest?.sealedBeforeAmendment && <div className="small alert-warn">{t("bid.amended", { seq: r.latest.sealedBeforeAmendment })}</div>}
                    {r.upload && (
                      <div className="muted small">
                        {t(r.upload.mine ? "myBids.uploadMine" : "myBids.uploadColleague", { stored: (r.upload.storedBytes / MB).toFixed(1), total: (r.upload.totalBytes / MB).toFixed(1) })}
                      </div>
                    )}
                  </td>
                  <td className="small">
                    {r.latest ? (
                      <>
                        <div>
                          {t("myBids.versionLine", { version: r.latest.version, status: t(`bid.statuses.${r.latest.status}`) })} ·{" "}
                          <Link to={`/bids/${r.latest.id}/receipt`} data-testid="my-bid-receipt">
                            {t("bid.viewReceipt")}
                          </Link>
                        </div>
                        <div className="muted">{t("myBids.receivedAt", { at: formatCst(r.latest.receivedAt) })}</div>
                        {r.versions.length > 1 && (
                          <details>
                            <summary>{t("myBids.allVersions", { count: r.versions.length })}</summary>
                            <ul className="plain-list">
                              {r.versions.map((v) => (
                                <li key={v.id}>
                                  <Link to={`/bids/${v.id}/receipt`}>{t("myBids.versionLine", { version: v.version, status: t(`bid.statuses.${v.status}`) })}</Link> · {formatCst(v.receivedAt)}
                                </li>
                              ))}
                            </ul>
                          </details>
                        )}
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="small nowrap">
                    {formatCst(r.deadline)}
                    <div className="muted">{r.deadlinePassed ? t("myBids.deadlinePassed") : t("myBids.deadlineOpen")}</div>
                  </td>
                  <td className="small">
                    <div>
                      <Link to={`/tenders/${r.project.id}/sections/${r.section.id}/bid`}>{r.deadlinePassed ? t("myBids.bidPage") : t("myBids.bidPageOpen")}</Link>
                    </div>
                    <div>
                      <Link to={`/tenders/${r.project.id}/sections/${r.section.id}/opening`} data-testid="my-bid-hall">
                        {t("myBids.hall")}
                      </Link>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
