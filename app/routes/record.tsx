import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import type { ErrorPayload } from "#app/domain/errors";
import { RecordSearchSchema } from "#app/domain/record-search";
import { formatCst } from "#app/domain/tender-form";
import { verifyRecord } from "#app/services/platform/record.server";
import { listRecordWithNames } from "#app/services/platform/record-view.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "交易档案 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "record:read");
  const query = RecordSearchSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const page = await listRecordWithNames(context.app.db, actor, {
    beforeSeq: query.before,
    subjectId: query.subject,
    project: query.project,
    date: query.date,
    action: query.action,
    who: query.actor,
  });
  const search = { subject: query.subject ?? "", project: query.project ?? "", date: query.date ?? "", action: query.action ?? "", actor: query.actor ?? "" };
  return json({ ...page, search, before: query.before ?? null });
}

/** "Verify chain": recomputes every hash from the first entry and names the first broken one. */
export async function action({ request, context }: ActionFunctionArgs) {
  await requireActor(request, context, "record:read");
  await readForm(request, context);
  try {
    return json({ verification: await verifyRecord(context.app.db), error: null });
  } catch (e) {
    return errorResponse(e, { verification: null });
  }
}

const short = (h: string | null | undefined, n = 10) => (h ? h.slice(0, n) : "");

type ActionTree = Record<string, Record<string, string>>;

export default function RecordPage() {
  const { entries, olderBefore, head, search, before } = useLoaderData<typeof loader>();
  const { subject } = search;
  const searching = Object.values(search).some(Boolean);
  const data = useActionData<typeof action>() as { verification?: Awaited<ReturnType<typeof verifyRecord>> | null; error?: ErrorPayload | null } | undefined;
  const nav = useNavigation();
  const { t, i18n } = useTranslation("admin");
  const v = data?.verification;
  const verifying = nav.state === "submitting" && nav.formMethod?.toUpperCase() === "POST";
  // Paging keeps the search.
  const withSearch = (extra: Record<string, string>) => `/record?${new URLSearchParams({ ...Object.fromEntries(Object.entries(search).filter(([, v]) => v)), ...extra })}`;
  const actionGroups = (i18n.getResource(i18n.language, "admin", "record.actions") ?? {}) as ActionTree;
  return (
    <>
      <h1>{t("record.title")}</h1>
      <p className="muted">{t("record.intro")}</p>

      <div className="card record-tools">
        <Form method="get" className="admin-filters" role="search" data-testid="record-search">
          {subject && <input type="hidden" name="subject" value={subject} />}
          <div className="field">
            <label htmlFor="project">{t("record.searchProject")}</label>
            <input id="project" name="project" type="search" defaultValue={search.project} placeholder={t("record.searchProjectPlaceholder")} maxLength={100} />
          </div>
          <div className="field">
            <label htmlFor="date">{t("record.searchDate")}</label>
            <input id="date" name="date" type="date" defaultValue={search.date} />
          </div>
          <div className="field">
            <label htmlFor="action">{t("record.action")}</label>
            <select id="action" name="action" defaultValue={search.action}>
              <option value="">{t("record.anyAction")}</option>
              {Object.entries(actionGroups).map(([group, actions]) => (
                <optgroup key={group} label={t(`record.groups.${group}`)}>
                  <option value={`${group}.`}>{t("record.wholeGroup", { group: t(`record.groups.${group}`) })}</option>
                  {Object.entries(actions).map(([name, label]) => (
                    <option key={name} value={`${group}.${name}`}>
                      {label}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="actor">{t("record.searchActor")}</label>
            <input id="actor" name="actor" type="search" defaultValue={search.actor} placeholder={t("record.searchActorPlaceholder")} maxLength={100} />
          </div>
          <div className="field">
            <button type="submit" className="secondary">
              {t("common:actions.search")}
            </button>{" "}
            {(searching || before) && <Link to="/record">{t("record.all")}</Link>}
          </div>
        </Form>
        <Form method="post" className="record-verify">
          <CsrfInput />
          <div className="muted small">{t("record.head", { seq: head.seq, hash: short(head.hash, 16) })}</div>
          <button type="submit" data-testid="verify" disabled={verifying}>
            {verifying ? t("record.verifying") : t("record.verify")}
          </button>
        </Form>
      </div>

      <ErrorAlert error={data?.error} />
      {v &&
        (v.ok ? (
          <div className="alert alert-ok" role="status" data-testid="verify-result">
            {t("record.intact", { n: v.entries, seq: v.head.seq, hash: short(v.head.hash, 16) })}
          </div>
        ) : (
          <div className="alert alert-error" role="alert" data-testid="verify-result">
            <strong>{t("record.broken", { seq: v.break.seq })}</strong>
            <dl className="kv">
              <dt>{t("record.brokenAction")}</dt>
              <dd>
                <code>{v.break.action ?? "—"}</code>
              </dd>
              {v.break.at && (
                <>
                  <dt>{t("record.at")}</dt>
                  <dd>{formatCst(v.break.at)}</dd>
                </>
              )}
              <dt>{t("record.brokenReason")}</dt>
              <dd>{t(`record.reasons.${v.break.reason}`, { defaultValue: v.break.reason })}</dd>
              <dt>{t("record.checked")}</dt>
              {/* Entries are checked in order from the first, so every entry before the break is intact. */}
              <dd>{t("record.checkedN", { n: Math.max(0, v.break.seq - 1) })}</dd>
            </dl>
            <p>
              <Link to={`/record?before=${v.break.seq + 1}`}>{t("record.showBroken", { seq: v.break.seq })}</Link>
            </p>
          </div>
        ))}

      {subject && <p className="muted">{t("record.filtered", { subject })}</p>}
      {entries.length === 0 ? (
        <p className="card muted" data-testid="empty">
          {searching ? t("record.noMatch") : t("record.empty")}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="admin-table record-table" data-testid="record">
            <thead>
              <tr>
                <th className="num">{t("record.seq")}</th>
                <th>{t("record.at")}</th>
                <th>{t("record.action")}</th>
                <th>{t("record.project")}</th>
                <th>{t("record.subject")}</th>
                <th>{t("record.actor")}</th>
                <th>{t("record.org")}</th>
                <th>{t("record.ip")}</th>
                <th>{t("record.hashes")}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.seq} data-seq={e.seq}>
                  <td className="num">{e.seq}</td>
                  <td className="small nowrap">{formatCst(e.at)}</td>
                  <td title={e.action} data-action={e.action}>
                    {t(`record.actions.${e.action}`, { defaultValue: e.action })}
                  </td>
                  <td className="small nowrap">{e.project ? <Link to={`/record?${new URLSearchParams({ project: e.project.code })}`}>{e.project.code}</Link> : <span className="muted">—</span>}</td>
                  <td className="small">
                    <div>{t(`record.subjects.${e.subjectType}`, { defaultValue: e.subjectType })}</div>
                    <Link to={`/record?subject=${encodeURIComponent(e.subjectId)}`} title={e.subjectId}>
                      <code>{e.subjectId.length > 12 ? `${e.subjectId.slice(0, 8)}…` : e.subjectId}</code>
                    </Link>
                  </td>
                  <td className="small">
                    {e.sealed ? (
                      <span className="muted" data-testid="sealed-actor">
                        {t("record.sealed")}
                      </span>
                    ) : e.confidential ? (
                      <span className="muted" data-testid="confidential-actor">
                        {t("record.confidential")}
                      </span>
                    ) : e.actorName ? (
                      <>
                        {e.actorName}
                        <div className="muted">
                          <code>{e.actorUsername}</code>
                        </div>
                      </>
                    ) : e.actorUserId ? (
                      <code>{short(e.actorUserId, 8)}</code>
                    ) : e.ip ? (
                      <span className="muted">{t("record.visitor")}</span>
                    ) : (
                      <span className="muted">{t("record.system")}</span>
                    )}
                  </td>
                  <td className="small">{e.orgName ?? <span className="muted">—</span>}</td>
                  <td className="small">{e.ip ? <code>{e.ip}</code> : <span className="muted">—</span>}</td>
                  <td className="small record-hashes">
                    <div title={e.hash}>
                      <span className="muted">{t("record.hash")}</span> <code>{short(e.hash)}</code>
                    </div>
                    <div title={e.prevHash}>
                      <span className="muted">{t("record.prevHash")}</span> <code>{short(e.prevHash)}</code>
                    </div>
                    <div title={e.payloadHash}>
                      <span className="muted">{t("record.payloadHash")}</span> <code>{short(e.payloadHash)}</code>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(before || olderBefore) && (
        <nav className="pager" aria-label={t("list.pages")}>
          {before && <Link to={withSearch({})}>{t("record.newest")}</Link>}
          {olderBefore && <Link to={withSearch({ before: String(olderBefore) })}>{t("record.older")}</Link>}
        </nav>
      )}
    </>
  );
}
