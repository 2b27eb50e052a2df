import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { DomainError, type ErrorPayload } from "#app/domain/errors";
import { PageSchema } from "#app/domain/query";
import { formatCst } from "#app/domain/tender-form";
import { listInbox, markRead, openNotification } from "#app/services/platform/inbox.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "消息中心 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context);
  const page = PageSchema.parse(new URL(request.url).searchParams.get("page"));
  return json(await listInbox(context.app.db, actor, { page }));
}

const InboxActionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("read"), id: z.string().uuid() }),
  z.object({ intent: z.literal("open"), id: z.string().uuid() }),
  z.object({ intent: z.literal("readAll") }),
]);

/** Mark one / all as read (command `notification.read`), or open one (mark read, then follow its link). */
export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context);
  const form = await readForm(request, context);
  try {
    const parsed = InboxActionSchema.safeParse(Object.fromEntries(form));
    if (!parsed.success) throw new DomainError("NOT_FOUND");
    const cmd = parsed.data;
    if (cmd.intent === "open") return redirect(await openNotification(context.app, actor, cmd.id));
    const n = await markRead(context.app, actor, cmd.intent === "read" ? cmd.id : undefined);
    return json({ ok: true as const, marked: n, error: null });
  } catch (e) {
    return errorResponse(e);
  }
}

export default function Inbox() {
  const { items, page, pages, total, unread } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { error?: ErrorPayload | null } | undefined;
  const { t } = useTranslation("admin");
  return (
    <>
      <div className="page-head">
        <h1>{t("common:inbox.title")}</h1>
        {unread > 0 && (
          <Form method="post">
            <CsrfInput />
            <input type="hidden" name="intent" value="readAll" />
            <button type="submit" className="secondary" data-testid="read-all">
              {t("common:inbox.markAllRead")}
            </button>
          </Form>
        )}
      </div>
      <p className="muted">{total === 0 ? t("inbox.intro") : t("inbox.summary", { total, unread })}</p>
      <ErrorAlert error={data?.error} />
      {items.length === 0 ? (
        <div className="card muted inbox-empty" data-testid="empty">
          <p>{t("common:inbox.empty")}</p>
          <p className="small">{t("inbox.emptyHint")}</p>
        </div>
      ) : (
        <ul className="tender-list inbox-list" data-testid="inbox">
          {items.map((n) => (
            <li key={n.id} className={n.readAt ? "is-read" : "is-unread"}>
              <div>
                <div className="inbox-text">
                  {!n.readAt && <span className="tag tag-draft">{t("common:inbox.unread")}</span>} {String(t(`common:inbox.kinds.${n.kind}`, { ...n.params, defaultValue: n.kind }))}
                </div>
                <div className="meta">
                  <span>{formatCst(n.createdAt)}</span>
                  {n.readAt && <span>{t("inbox.readAt", { at: formatCst(n.readAt) })}</span>}
                </div>
              </div>
              <div className="inbox-actions">
                {n.link && (
                  <Form method="post" className="inline">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="open" />
                    <input type="hidden" name="id" value={n.id} />
                    <button type="submit" className={n.readAt ? "secondary" : undefined}>
                      {t("common:actions.view")}
                    </button>
                  </Form>
                )}
                {!n.readAt && (
                  <Form method="post" className="inline">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="read" />
                    <input type="hidden" name="id" value={n.id} />
                    <button type="submit" className="secondary">
                      {t("common:inbox.markRead")}
                    </button>
                  </Form>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {pages > 1 && (
        <nav className="pager" aria-label={t("list.pages")}>
          {page > 1 && <Link to={`?page=${page - 1}`}>{t("list.prev")}</Link>}
          <span className="muted">{t("list.page", { page, pages })}</span>
          {page < pages && <Link to={`?page=${page + 1}`}>{t("list.next")}</Link>}
        </nav>
      )}
    </>
  );
}
