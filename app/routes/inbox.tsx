import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CsrfInput } from "#app/components/forms";
import { formatCst } from "#app/domain/tender-form";
import { listInbox, markRead } from "#app/services/inbox.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "消息中心 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context);
  return json({ items: await listInbox(context.app.db, actor) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context);
  try {
    const form = await readForm(request, context);
    const id = form.get("id");
    await markRead(context.app, actor, typeof id === "string" && id ? id : undefined);
    return json({ ok: true });
  } catch (e) {
    return errorResponse(e);
  }
}

export default function Inbox() {
  const { items } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const unread = items.filter((n) => !n.readAt).length;
  return (
    <>
      <div className="actions" style={{ justifyContent: "space-between" }}>
        <h1>{t("inbox.title")}</h1>
        {unread > 0 && (
          <Form method="post">
            <CsrfInput />
            <button type="submit" className="secondary">
              {t("inbox.markAllRead")}
            </button>
          </Form>
        )}
      </div>
      {items.length === 0 ? (
        <p className="card muted">{t("inbox.empty")}</p>
      ) : (
        <ul className="tender-list" data-testid="inbox">
          {items.map((n) => (
            <li key={n.id} style={n.readAt ? undefined : { borderLeft: "4px solid var(--brand)" }}>
              <div>
                <div>
                  {!n.readAt && <span className="tag tag-draft">{t("inbox.unread")}</span>} {t(`inbox.kinds.${n.kind}`, n.params)}
                </div>
                <div className="meta">
                  <span>{formatCst(n.createdAt)}</span>
                  {n.link && <Link to={n.link}>{t("actions.view")}</Link>}
                </div>
              </div>
              {!n.readAt && (
                <Form method="post">
                  <CsrfInput />
                  <input type="hidden" name="id" value={n.id} />
                  <button type="submit" className="secondary">
                    {t("inbox.markRead")}
                  </button>
                </Form>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
