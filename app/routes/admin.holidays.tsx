import { parseWithZod } from "@conform-to/zod";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "#app/components/admin-nav";
import { CsrfInput, ErrorAlert, FieldError } from "#app/components/forms";
import { HolidaySchema } from "#app/domain/account-forms";
import type { ErrorPayload } from "#app/domain/errors";
import { addHoliday, listHolidays, removeHoliday } from "#app/services/holidays.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "节假日 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, "admin:holidays");
  const y = Number(new URL(request.url).searchParams.get("year"));
  const year = Number.isInteger(y) && y >= 2000 && y <= 2100 ? y : new Date().getUTCFullYear();
  return json({ year, days: await listHolidays(context.app.db, year) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "admin:holidays");
  const form = await readForm(request, context);
  try {
    if (form.get("intent") === "remove") {
      await removeHoliday(context.app, actor, String(form.get("day") ?? ""));
      return json({ fieldErrors: {}, error: null });
    }
    const submission = parseWithZod(form, { schema: HolidaySchema });
    if (submission.status !== "success") return json({ fieldErrors: submission.reply().error ?? {}, error: null }, { status: 400 });
    await addHoliday(context.app, actor, submission.value);
    return json({ fieldErrors: {}, error: null });
  } catch (e) {
    return errorResponse(e, { fieldErrors: {} });
  }
}

export default function AdminHolidays() {
  const { year, days } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { fieldErrors?: Record<string, string[] | null>; error?: ErrorPayload | null } | undefined;
  const { t } = useTranslation("admin");
  return (
    <>
      <h1>{t("holidays.title", { year })}</h1>
      <AdminNav />
      <p className="muted">{t("holidays.intro")}</p>
      <p>
        <Link to={`?year=${year - 1}`}>← {year - 1}</Link> · <Link to={`?year=${year + 1}`}>{year + 1} →</Link>
      </p>
      <ErrorAlert error={data?.error} />
      <Form method="post" className="card" noValidate>
        <CsrfInput />
        <div className="grid grid-3">
          <div className="field">
            <label htmlFor="day">{t("holidays.day")}</label>
            <input id="day" name="day" type="date" required />
            <FieldError errors={data?.fieldErrors?.day ?? undefined} />
          </div>
          <div className="field">
            <label htmlFor="kind">{t("holidays.kind")}</label>
            <select id="kind" name="kind">
              <option value="holiday">{t("holidays.holiday")}</option>
              <option value="workday">{t("holidays.workday")}</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="name">{t("holidays.name")}</label>
            <input id="name" name="name" type="text" required />
            <FieldError errors={data?.fieldErrors?.name ?? undefined} />
          </div>
        </div>
        <button type="submit">{t("holidays.add")}</button>
      </Form>
      {days.length === 0 ? (
        <p className="card muted">{t("holidays.empty")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("holidays.day")}</th>
              <th>{t("holidays.kind")}</th>
              <th>{t("holidays.name")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <td>{d.day}</td>
                <td>{d.kind === "holiday" ? <span className="tag tag-terminated">{t("holidays.holiday")}</span> : <span className="tag tag-published">{t("holidays.workday")}</span>}</td>
                <td>{d.name}</td>
                <td>
                  <Form method="post">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="remove" />
                    <input type="hidden" name="day" value={d.day} />
                    <button type="submit" className="secondary">
                      {t("holidays.remove")}
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
