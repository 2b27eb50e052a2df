import { parseWithZod } from "@conform-to/zod";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { dayEnd } from "#app/components/supervision/case-nav";
import { DomainError } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { myComplaints, withdrawComplaint } from "#app/services/supervision/complaints.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "我的投诉 · Tenderhall" }];

/** R53: a bidder's complaints and where each stands; it may withdraw one before the decision. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "complaint:file");
  return json({ items: await myComplaints(context.app.db, actor) });
}

const WithdrawForm = z.object({ intent: z.literal("withdraw"), complaintId: z.string().max(40) });

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "complaint:file");
  try {
    const submission = parseWithZod(await readForm(request, context), { schema: WithdrawForm });
    if (submission.status !== "success") throw new DomainError("VALIDATION", { field: "complaintId" });
    await withdrawComplaint(context.app, actor, submission.value.complaintId);
    return json({ ok: true as const, error: null });
  } catch (e) {
    return errorResponse(e);
  }
}

export default function MyComplaints() {
  const { items } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const nav = useNavigation();
  const { t } = useTranslation("supervision");
  const [search] = useSearchParams();
  const filed = items.find((c) => c.id === search.get("filed"));
  return (
    <div className="portal">
      <h1>{t("complaints.mine.title")}</h1>
      {filed && !data && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t("complaints.done.filed", { due: dayEnd(filed.acceptDueAt, formatCst) })}
        </div>
      )}
      {data?.ok && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t("complaints.done.withdrawn")}
        </div>
      )}
      <ErrorAlert error={data && !data.ok ? data.error : null} />
      {items.length === 0 ? (
        <p className="card muted">{t("complaints.empty")}</p>
      ) : (
        items.map((c) => (
          <section className="card" key={c.id} data-testid="my-complaint">
            <p>
              <strong>
                <Link to={`/tenders/${c.projectId}`}>{c.projectCode}</Link> {c.projectTitle}
              </strong>
              {c.sectionCode ? ` · ${c.sectionCode}` : ""} · {t(`complaints.kind.${c.objectionKind}`, { defaultValue: c.objectionKind })}
            </p>
            <p className="small">
              {t("complaints.col.filedAt")} {formatCst(c.filedAt)} ·{" "}
              <span className={`tag ${c.status === "filed" || c.status === "accepted" ? "tag-suspended" : "tag-bidding"}`} data-testid="my-complaint-status">
                {t(`complaints.status.${c.status}`)}
              </span>
              {c.suspended && ` · ${t("complaints.suspended")}`}
              {c.status === "filed" && ` · ${t("complaints.acceptDue", { due: dayEnd(c.acceptDueAt, formatCst) })}`}
              {c.status === "accepted" && ` · ${t("complaints.decisionDue", { due: dayEnd(c.decisionDueAt, formatCst) })}`}
            </p>
            {c.refusalReason && (
              <p className="small">
                {t("complaints.detail.refusalReason")}: <span className="notice-body">{c.refusalReason}</span>
              </p>
            )}
            {c.status === "decided" && (
              <p className="small" data-testid="my-complaint-decision">
                <strong>{c.outcome ? t(`complaints.outcome.${c.outcome}`) : ""}</strong> · {formatCst(c.decidedAt)} · <span className="notice-body">{c.decision}</span>
              </p>
            )}
            {c.canWithdraw && (
              <Form method="post" className="inline">
                <CsrfInput />
                <input type="hidden" name="intent" value="withdraw" />
                <input type="hidden" name="complaintId" value={c.id} />
                <button type="submit" className="secondary small-button" disabled={nav.state === "submitting"}>
                  {t("complaints.mine.withdraw")}
                </button>
              </Form>
            )}
          </section>
        ))
      )}
    </div>
  );
}
