import type { SerializeFrom } from "@remix-run/node";
import { Link } from "@remix-run/react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Countdown, useServerNow } from "#app/components/countdown";
import { formatMoney } from "#app/domain/money";
import { formatCst } from "#app/domain/tender-form";
import { listHref, WB_MAX_ROWS, WORKBENCH_PARTS, type WorkbenchList } from "#app/domain/workbench";
import type { loader } from "#app/routes/workbench";

type Data = SerializeFrom<typeof loader>;
type List<T> = { id: WorkbenchList; rows: T[]; page: number; pages: number; total: number };

const LIGHT_TAG: Record<string, string> = { green: "tag-published", yellow: "tag-suspended", red: "tag-terminated" };
const URGENCY_TAG: Record<string, string> = { overdue: "tag-terminated", today: "tag-suspended", soon: "tag-due", later: "tag-closed", none: "tag-none" };

/** The workbench page (/workbench): the parts of the user's roles, each a set of lists whose counts link to the list. */
export function WorkbenchPage({ data }: { data: Data }) {
  const { t } = useTranslation("workbench");
  const now = useServerNow(data.now);
  return (
    <>
      <h1>{t("title")}</h1>
      <p className="muted">{t("intro")}</p>
      {(data.held.length > 1 || data.focus || data.parts.length < data.held.length) && (
        <nav className="actions small" aria-label={t("parts")} data-testid="wb-parts">
          <Link to="/workbench">{t("allParts")}</Link>
          {WORKBENCH_PARTS.filter((p) => data.held.includes(p)).map((p) => (
            <Link key={p} to={`/workbench?role=${p}`}>
              {t(`part.${p}`)}
            </Link>
          ))}
        </nav>
      )}
      {data.parts.length === 0 && (
        <p className="card muted" data-testid="wb-none">
          {data.supervisor ? (
            <>
              {t("supervisorHint")} <Link to="/supervise">{t("supervisorLink")}</Link>
            </>
          ) : (
            t("none")
          )}
        </p>
      )}
      {data.tendering && <TenderingPart w={data.tendering} now={now} />}
      {data.bidder && <BidderPart w={data.bidder} now={now} />}
      {data.expert && <ExpertPart w={data.expert} now={now} />}
      {data.admin && <AdminPart w={data.admin} />}
    </>
  );
}

function Part({ part, children }: { part: string; children: ReactNode }) {
  const { t } = useTranslation("workbench");
  return (
    <section className="card" id={`wb-part-${part}`} data-testid={`wb-${part}`}>
      <h2>{t(`part.${part}`)}</h2>
      {children}
    </section>
  );
}

/** A count: "500+" when the reader's bound cut the list. */
function CountLink({ to, n, testId }: { to: string; n: number; testId?: string }) {
  return (
    <Link to={to} className="tag" data-testid={testId}>
      {n >= WB_MAX_ROWS ? `${WB_MAX_ROWS}+` : n}
    </Link>
  );
}

/** One list of a part: its heading with the count (linking to the list opened on its own), the rows, a pager or "all". */
function ListBlock<T extends { key: string }>({
  list,
  title,
  empty,
  page,
  filter = {},
  head,
  row,
}: {
  list: List<T>;
  title: string;
  empty: string;
  page?: { to: string; label: string };
  filter?: Record<string, string | null>;
  head: ReactNode;
  row: (r: T) => ReactNode;
}) {
  const { t } = useTranslation("workbench");
  const href = (p: number) => listHref(list.id, { ...filter, page: String(p) });
  return (
    <div id={`wb-${list.id}`} data-testid={`wb-${list.id}`} data-total={list.total}>
      <h3>
        {title} <CountLink to={listHref(list.id)} n={list.total} testId={`count-${list.id}`} />
      </h3>
      {list.total === 0 ? (
        <p className="muted small">{empty}</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>{head}</thead>
            <tbody>{list.rows.map((r) => row(r))}</tbody>
          </table>
        </div>
      )}
      <p className="small actions">
        {list.pages > 1 && (
          <span className="pager">
            {list.page > 1 && <Link to={href(list.page - 1)}>{t("portal:list.prev")}</Link>} <span>{t("portal:list.page", { page: list.page, pages: list.pages })}</span>{" "}
            {list.page < list.pages && <Link to={href(list.page + 1)}>{t("portal:list.next")}</Link>}
          </span>
        )}
        {list.pages === 1 && list.rows.length < list.total && <Link to={listHref(list.id, filter)}>{t("showAll", { count: list.total })}</Link>}
        {page && <Link to={page.to}>{page.label}</Link>}
      </p>
    </div>
  );
}

function Due({ at, urgency, now }: { at: string | null; urgency: string; now: number }) {
  const { t } = useTranslation("workbench");
  if (!at) return <span className="muted">—</span>;
  return (
    <>
      <span className="nowrap">{formatCst(at)}</span>{" "}
      <span className={`tag ${URGENCY_TAG[urgency] ?? ""}`} data-testid="urgency">
        {t(`urgency.${urgency}`)}
      </span>
      {urgency !== "overdue" && (
        <div className="small muted">
          {t("left")} <Countdown until={at} now={now} />
        </div>
      )}
    </>
  );
}

function TenderingPart({ w, now }: { w: NonNullable<Data["tendering"]>; now: number }) {
  const { t } = useTranslation("workbench");
  return (
    <Part part="tendering">
      <p data-testid="wb-stages">
        {t("tendering.summary")}{" "}
        {w.stages.length === 0 && <span className="muted">{t("tendering.noSections")}</span>}
        {w.stages.map((s) => (
          <span key={s.stage} className="nowrap" style={{ marginRight: "1rem" }}>
            {t(`stages.${s.stage}`)} <CountLink to={listHref("tendering-sections", { stage: s.stage })} n={s.count} testId={`stage-${s.stage}`} />
          </span>
        ))}
      </p>
      <p data-testid="wb-pending-kinds">
        {t("tendering.pendingSummary")}{" "}
        {w.pendingKinds.length === 0 && <span className="muted">{t("tendering.nothingPending")}</span>}
        {w.pendingKinds.map((k) => (
          <span key={k.kind} className="nowrap" style={{ marginRight: "1rem" }}>
            {t(`kinds.${k.kind}`)} <CountLink to={listHref("tendering-pending", { kind: k.kind })} n={k.count} testId={`kind-${k.kind}`} />
          </span>
        ))}
        {w.overdue > 0 && <span className="tag tag-terminated">{t("tendering.overdue", { count: w.overdue })}</span>}
      </p>
      <ListBlock
        list={w.pending}
        filter={{ kind: w.kind }}
        title={w.kind ? `${t("tendering.pending")} · ${t(`kinds.${w.kind}`)}` : t("tendering.pending")}
        empty={t("tendering.nothingPending")}
        head={
          <tr>
            <th>{t("cols.what")}</th>
            <th>{t("cols.tender")}</th>
            <th>{t("cols.due")}</th>
            <th />
          </tr>
        }
        row={(p) => (
          <tr key={p.key} data-kind={p.kind} data-testid="wb-pending-row">
            <td>
              {t(`kinds.${p.kind}`)} <span className="tag">{p.rule}</span>
              {p.who && <div className="small muted">{p.who}</div>}
              {p.amountFen != null && <div className="small">{formatMoney({ fen: p.amountFen })}</div>}
            </td>
            <td>
              {p.projectCode} {p.projectTitle}
              {p.sectionCode && (
                <div className="small muted">
                  {p.sectionCode} {p.sectionTitle}
                </div>
              )}
            </td>
            <td data-testid="wb-due">
              <Due at={p.dueAt} urgency={p.urgency} now={now} />
            </td>
            <td>
              <Link to={p.href}>{t("handle")}</Link>
            </td>
          </tr>
        )}
      />
      <ListBlock
        list={w.sections}
        filter={{ stage: w.stage }}
        title={w.stage ? `${t("tendering.sections")} · ${t(`stages.${w.stage}`)}` : t("tendering.sections")}
        empty={t("tendering.noSections")}
        page={{ to: "/manage", label: t("tendering.managePage") }}
        head={
          <tr>
            <th>{t("cols.tender")}</th>
            <th>{t("cols.section")}</th>
            <th>{t("cols.stage")}</th>
            <th>{t("cols.light")}</th>
          </tr>
        }
        row={(s) => (
          <tr key={s.key} data-section={s.sectionId} data-testid="wb-section-row">
            <td>
              <Link to={s.href}>
                {s.projectCode} {s.projectTitle}
              </Link>
            </td>
            <td>
              {s.sectionCode} {s.sectionTitle}
            </td>
            <td>
              <span className="tag">{t(`stages.${s.stage}`)}</span>
            </td>
            <td data-testid="wb-light">
              {s.light ? (
                <span className={`tag ${LIGHT_TAG[s.light] ?? ""}`} title={s.reasons.join(", ")}>
                  {t(`lights.${s.light}`)}
                </span>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
          </tr>
        )}
      />
    </Part>
  );
}

function BidderPart({ w, now }: { w: NonNullable<Data["bidder"]>; now: number }) {
  const { t } = useTranslation("workbench");
  return (
    <Part part="bidder">
      <ListBlock
        list={w.openings}
        title={t("bidder.openings")}
        empty={t("bidder.noOpenings")}
        head={
          <tr>
            <th>{t("cols.tender")}</th>
            <th>{t("cols.opening")}</th>
            <th />
          </tr>
        }
        row={(o) => (
          <tr key={o.key} data-testid="wb-opening-row" data-when={o.when}>
            <td>
              {o.project.code} {o.project.title}
              <div className="small muted">
                {o.section.code} {o.section.title}
              </div>
            </td>
            <td>
              <span className="nowrap">{formatCst(o.deadline)}</span>{" "}
              {o.when === "upcoming" ? (
                <div className="small">
                  {t("left")} <Countdown until={o.deadline} now={now} />
                </div>
              ) : (
                <span className="tag tag-suspended">{t("bidder.inHall")}</span>
              )}
            </td>
            <td>
              <Link to={o.hallHref}>{t("bidder.hall")}</Link>
            </td>
          </tr>
        )}
      />
      <ListBlock
        list={w.bids}
        title={t("bidder.bids")}
        empty={t("bidder.noBids")}
        page={{ to: "/my-bids", label: t("bidder.myBidsPage") }}
        head={
          <tr>
            <th>{t("cols.tender")}</th>
            <th>{t("cols.state")}</th>
            <th>{t("cols.version")}</th>
          </tr>
        }
        row={(b) => (
          <tr key={b.key} data-testid="wb-bid-row" data-state={b.state}>
            <td>
              <Link to={b.bidHref}>
                {b.project.code} {b.project.title}
              </Link>
              <div className="small muted">
                {b.section.code} {b.section.title}
              </div>
            </td>
            <td>
              <span className="tag">{t(`bids:myBids.states.${b.state}`)}</span>
            </td>
            <td data-testid="wb-bid-version">
              {b.latest ? (
                <>
                  {t("bidder.version", { version: b.latest.version })} ·{" "}
                  <Link to={b.latest.receiptHref} data-testid="wb-receipt">
                    {t("bidder.receipt")}
                  </Link>
                </>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
          </tr>
        )}
      />
      <ListBlock
        list={w.clarifications}
        title={t("bidder.clarifications")}
        empty={t("bidder.noClarifications")}
        page={{ to: "/clarifications", label: t("bidder.clarificationsPage") }}
        head={
          <tr>
            <th>{t("cols.tender")}</th>
            <th>{t("cols.what")}</th>
            <th>{t("cols.due")}</th>
          </tr>
        }
        row={(c) => (
          <tr key={c.key}>
            <td>
              {c.project.code} {c.project.title}
              <div className="small muted">
                {c.section.code} {c.section.title}
              </div>
            </td>
            <td>{t(`evaluation:clarify.kinds.${c.kind}`)}</td>
            <td>
              <Due at={c.dueAt} urgency={c.urgency} now={now} />
            </td>
          </tr>
        )}
      />
      <ListBlock
        list={w.notices}
        title={t("bidder.notices")}
        empty={t("bidder.noNotices")}
        head={
          <tr>
            <th>{t("cols.document")}</th>
            <th>{t("cols.tender")}</th>
            <th>{t("cols.issued")}</th>
          </tr>
        }
        row={(d) => (
          <tr key={d.key} data-testid="wb-notice-row" data-kind={d.kind}>
            <td>
              <a href={d.href}>{t(`results:kinds.${d.kind}`)}</a>
              <div className="small muted">{d.number}</div>
            </td>
            <td>
              <Link to={d.resultsHref}>
                {d.projectCode} {d.projectTitle}
              </Link>
              <div className="small muted">
                {d.sectionCode} {d.sectionTitle}
              </div>
            </td>
            <td className="nowrap">{formatCst(d.issuedAt)}</td>
          </tr>
        )}
      />
      <ListBlock
        list={w.downloads}
        title={t("bidder.downloads")}
        empty={t("bidder.noDownloads")}
        head={
          <tr>
            <th>{t("cols.tender")}</th>
            <th>{t("cols.version")}</th>
            <th>{t("cols.downloadedAt")}</th>
          </tr>
        }
        row={(d) => (
          <tr key={d.key} data-testid="wb-download-row">
            <td>
              <Link to={d.href}>
                {d.projectCode} {d.projectTitle}
              </Link>
            </td>
            <td>
              {t("bidder.version", { version: d.lastVersion })}
              {d.newer && <span className="tag tag-suspended">{t("bidder.newer", { version: d.latestVersion })}</span>}
            </td>
            <td className="nowrap">{formatCst(d.lastAt)}</td>
          </tr>
        )}
      />
    </Part>
  );
}

function ExpertPart({ w, now }: { w: NonNullable<Data["expert"]>; now: number }) {
  const { t } = useTranslation("workbench");
  return (
    <Part part="expert">
      <ListBlock
        list={w.invitations}
        title={t("expert.invitations")}
        empty={t("expert.noInvitations")}
        page={{ to: "/invitations", label: t("expert.invitationsPage") }}
        head={
          <tr>
            <th>{t("cols.when")}</th>
            <th>{t("cols.state")}</th>
            <th>{t("cols.confirmBy")}</th>
          </tr>
        }
        row={(i) => (
          <tr key={i.key} data-testid="wb-invitation-row" data-status={i.status}>
            <td>
              <span className="nowrap">{formatCst(i.evaluationAt)}</span>
              <div className="small muted">{i.room ?? "—"}</div>
            </td>
            <td>
              <span className="tag">{t(`pool:pickStatuses.${i.status}`)}</span>
            </td>
            <td data-testid="wb-confirm-by">
              <Due at={i.confirmBy} urgency={i.urgency} now={now} />
            </td>
          </tr>
        )}
      />
      <ListBlock
        list={w.evaluations}
        title={t("expert.evaluations")}
        empty={t("expert.noEvaluations")}
        page={{ to: "/evaluations", label: t("expert.evaluationsPage") }}
        head={
          <tr>
            <th>{t("cols.when")}</th>
            <th>{t("cols.tender")}</th>
            <th>{t("cols.stage")}</th>
          </tr>
        }
        row={(e) => (
          <tr key={e.key} data-testid="wb-evaluation-row">
            <td className="nowrap">{formatCst(e.startsAt)}</td>
            <td>{e.projectTitle ? `${e.projectCode} ${e.projectTitle} · ${e.sectionCode} ${e.sectionTitle}` : <span className="muted">{t("evaluation:list.secret")}</span>}</td>
            <td>
              <span className="tag">{t(`evaluation:stages.${e.stage}`)}</span> <Link to={e.href}>{t("expert.enter")}</Link>
            </td>
          </tr>
        )}
      />
      <ListBlock
        list={w.reports}
        title={t("expert.reports")}
        empty={t("expert.noReports")}
        head={
          <tr>
            <th>{t("cols.document")}</th>
            <th>{t("cols.what")}</th>
          </tr>
        }
        row={(r) => (
          <tr key={r.key} data-testid="wb-report-row" data-step={r.step}>
            <td>
              {r.number} · v{r.version}
            </td>
            <td>
              <span className={`tag ${r.step === "waiting" ? "tag-closed" : "tag-suspended"}`}>{t(`expert.steps.${r.step}`)}</span> <Link to={r.href}>{t("handle")}</Link>
            </td>
          </tr>
        )}
      />
    </Part>
  );
}

function AdminPart({ w }: { w: NonNullable<Data["admin"]> }) {
  const { t } = useTranslation("workbench");
  return (
    <Part part="admin">
      <h3>{t("admin.pool")}</h3>
      <p data-testid="wb-pool">
        {t("admin.active")} <CountLink to="/pool?status=active" n={w.pool.active} testId="pool-active" /> · {t("admin.inactive")} <strong data-testid="pool-inactive">{w.pool.inactive}</strong> (
        {w.pool.byStatus
          .filter((s) => s.status !== "active")
          .map((s, i) => (
            <span key={s.status}>
              {i > 0 && " · "}
              {t(`pool:statuses.${s.status}`)} <CountLink to={`/pool?status=${s.status}`} n={s.count} testId={`pool-${s.status}`} />
            </span>
          ))}
        )
      </p>
      <ListBlock
        list={w.specialties}
        title={t("admin.bySpecialty")}
        empty={t("admin.noSpecialties")}
        page={{ to: "/pool", label: t("admin.poolPage") }}
        head={
          <tr>
            <th>{t("cols.specialty")}</th>
            <th className="num">{t("cols.activeExperts")}</th>
          </tr>
        }
        row={(s) => (
          <tr key={s.key}>
            <td>
              {s.code} {s.name}
            </td>
            <td className="num">
              <CountLink to={`/pool?status=active&specialty=${encodeURIComponent(s.code)}`} n={s.count} />
            </td>
          </tr>
        )}
      />
      <h3>{t("admin.rooms")}</h3>
      <div className="table-scroll">
        <table data-testid="wb-rooms-per-day">
          <tbody>
            <tr>
              {w.rooms.map((d) => (
                <th key={d.day} className="small" style={w.day === d.day ? { textDecoration: "underline" } : undefined}>
                  {d.day.slice(5)}
                </th>
              ))}
            </tr>
            <tr>
              {w.rooms.map((d) => (
                <td key={d.day} className="num">
                  {d.count > 0 ? <CountLink to={listHref("admin-rooms", { day: d.day })} n={d.count} testId={`rooms-${d.day}`} /> : <span className="muted">0</span>}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>
      <ListBlock
        list={w.bookings}
        filter={{ day: w.day }}
        title={w.day ? `${t("admin.bookings")} · ${w.day}` : t("admin.bookings")}
        empty={t("admin.noBookings")}
        page={{ to: "/admin/rooms", label: t("admin.roomsPage") }}
        head={
          <tr>
            <th>{t("cols.when")}</th>
            <th>{t("cols.room")}</th>
            <th>{t("cols.tender")}</th>
          </tr>
        }
        row={(b) => (
          <tr key={b.key} data-testid="wb-booking-row">
            <td className="nowrap">
              {formatCst(b.startsAt)}–{formatCst(b.endsAt).slice(-5)}
            </td>
            <td>
              {b.roomCode} {b.roomName}
            </td>
            <td>{b.projectCode ? `${b.projectCode} · ${b.sectionCode}` : <span className="muted">{t(`admin.purpose.${b.purpose}`)}</span>}</td>
          </tr>
        )}
      />
      <ListBlock
        list={w.certificates}
        title={t("admin.certificates", { days: 30 })}
        empty={t("admin.noCertificates")}
        page={{ to: "/admin/certificates", label: t("admin.certificatesPage") }}
        head={
          <tr>
            <th>{t("cols.subject")}</th>
            <th>{t("cols.holder")}</th>
            <th>{t("cols.notAfter")}</th>
          </tr>
        }
        row={(c) => (
          <tr key={c.key} data-testid="wb-certificate-row">
            <td>{c.subjectCn}</td>
            <td>
              {c.user} ({c.username})<div className="small muted">{c.org}</div>
            </td>
            <td className="nowrap">{formatCst(c.notAfter)}</td>
          </tr>
        )}
      />
      <ListBlock
        list={w.jobs}
        title={t("admin.jobs")}
        empty={t("admin.noJobs")}
        head={
          <tr>
            <th>{t("cols.job")}</th>
            <th>{t("cols.due")}</th>
            <th>{t("cols.error")}</th>
          </tr>
        }
        row={(j) => (
          <tr key={j.key} data-testid="wb-job-row">
            <td>
              #{j.id} <span className="mono">{j.kind}</span>
              <div className="small muted">{t("admin.attempts", { count: j.attempts })}</div>
            </td>
            <td className="nowrap">{formatCst(j.dueAt)}</td>
            <td className="small mono">{j.lastError || "—"}</td>
          </tr>
        )}
      />
    </Part>
  );
}
