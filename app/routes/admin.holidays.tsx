import { parseWithZod } from "@conform-to/zod";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "#app/components/admin-nav";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { fieldErrorKeys, formAlert, HolidaySchema, parseYear, type FormReply } from "#app/domain/account-forms";
import { addHoliday, listHolidays, listHolidayYears, removeHoliday } from "#app/services/tendering/holidays.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "节假日安排 · Tenderhall" }];

/** The current year in China time. */
function cstYear(): number {
  return new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, "admin:holidays");
  const year = parseYear(new URL(request.url).searchParams.get("year"), cstYear());
  const [days, years] = await Promise.all([listHolidays(context.app.db, year), listHolidayYears(context.app.db)]);
  return json({ year, days, years });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "admin:holidays");
  const form = await readForm(request, context);
  const values = Object.fromEntries([...form].filter(([k, v]) => k !== "_csrf" && typeof v === "string")) as Record<string, string>;
  try {
    if (form.get("intent") === "remove") {
      const day = String(form.get("day") ?? "");
      await removeHoliday(context.app, actor, day);
      return json({ ok: true as const, done: "removed" as const, day, error: null, fieldErrors: {} });
    }
    const submission = parseWithZod(form, { schema: HolidaySchema });
    if (submission.status !== "success") return json({ ok: false as const, error: null, fieldErrors: submission.reply().error ?? {}, values }, { status: 400 });
    await addHoliday(context.app, actor, submission.value);
    return json({ ok: true as const, done: "added" as const, day: submission.value.day, error: null, fieldErrors: {} });
  } catch (e) {
    return errorResponse(e, { fieldErrors: {}, values });
  }
}

type Reply = FormReply & { ok?: boolean; done?: "added" | "removed"; day?: string; values?: Record<string, string> };

function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

export default function AdminHolidays() {
  const { year, days, years } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as Reply | undefined;
  const nav = useNavigation();
  const { t } = useTranslation("admin");
  const values = data?.ok ? undefined : data?.values;
  const errorText = (keys: string[]) => keys.map((k) => t(k, { defaultValue: t("common:errors.invalid") })).join("；");
  const dayErrors = fieldErrorKeys(data, "day");
  const nameErrors = fieldErrorKeys(data, "name");
  const holidayCount = days.filter((d) => d.kind === "holiday").length;
  const shown = new Set([year - 1, year, year + 1, ...years.map((y) => y.year)]);
  return (
    <>
      <h1>{t("holidays.title", { year })}</h1>
      <AdminNav />
      <p className="muted">{t("holidays.intro")}</p>
      <nav className="year-switch" aria-label={t("holidays.years")}>
        {[...shown]
          .sort((a, b) => a - b)
          .map((y) =>
            y === year ? (
              <strong key={y} aria-current="page">
                {y}
              </strong>
            ) : (
              <Link key={y} to={`?year=${y}`}>
                {y}
                {years.some((x) => x.year === y) ? "" : ` ${t("holidays.notSet")}`}
              </Link>
            ),
          )}
      </nav>
      <ErrorAlert error={formAlert(data)} />
      {data?.ok && data.done && data.day && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t(`holidays.done.${data.done}`, { day: data.day })}
        </div>
      )}
      <Form method="post" className="card admin-form" noValidate key={data?.ok ? `${data.done}-${data.day}` : "new"}>
        <CsrfInput />
        <input type="hidden" name="intent" value="add" />
        <h2>{t("holidays.new")}</h2>
        <div className="grid grid-3">
          <div className="field">
            <label htmlFor="day">{t("holidays.day")}</label>
            <input
              id="day"
              name="day"
              type="date"
              min={`${year}-01-01`}
              max={`${year}-12-31`}
              defaultValue={values?.day}
              aria-required
              aria-invalid={dayErrors.length ? true : undefined}
              aria-describedby={dayErrors.length ? "day-error" : undefined}
            />
            {dayErrors.length > 0 && (
              <div className="field-error" id="day-error">
                {errorText(dayErrors)}
              </div>
            )}
          </div>
          <div className="field">
            <label htmlFor="kind">{t("holidays.kind")}</label>
            <select id="kind" name="kind" defaultValue={values?.kind ?? "holiday"} aria-describedby="kind-hint">
              <option value="holiday">{t("holidays.holiday")}</option>
              <option value="workday">{t("holidays.workday")}</option>
            </select>
            <div className="hint" id="kind-hint">
              {t("holidays.kindHint")}
            </div>
          </div>
          <div className="field">
            <label htmlFor="name">{t("holidays.name")}</label>
            <input
              id="name"
              name="name"
              type="text"
              maxLength={40}
              placeholder={t("holidays.namePlaceholder")}
              defaultValue={values?.name}
              aria-required
              aria-invalid={nameErrors.length ? true : undefined}
              aria-describedby={nameErrors.length ? "name-error" : undefined}
            />
            {nameErrors.length > 0 && (
              <div className="field-error" id="name-error">
                {errorText(nameErrors)}
              </div>
            )}
          </div>
        </div>
        <div className="actions">
          <button type="submit" disabled={nav.state === "submitting"}>
            {t("holidays.add")}
          </button>
        </div>
      </Form>

      <h2>
        {t("holidays.list", { year })} <span className="muted small">{t("holidays.summary", { holidays: holidayCount, workdays: days.length - holidayCount })}</span>
      </h2>
      {days.length === 0 ? (
        <p className="card muted" data-testid="empty">
          {t("holidays.empty", { year })}
        </p>
      ) : (
        <table className="admin-table" data-testid="holiday-list">
          <thead>
            <tr>
              <th>{t("holidays.day")}</th>
              <th>{t("holidays.weekday")}</th>
              <th>{t("holidays.kind")}</th>
              <th>{t("holidays.name")}</th>
              <th>{t("list.operations")}</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <td className="nowrap">{d.day}</td>
                <td>{t(`holidays.weekdays.${weekday(d.day)}`)}</td>
                <td>
                  {d.kind === "holiday" ? (
                    <span className="tag tag-terminated">{t("holidays.holiday")}</span>
                  ) : (
                    <span className="tag tag-published">{t("holidays.workday")}</span>
                  )}
                </td>
                <td>{d.name}</td>
                <td>
                  <Form method="post" className="inline">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="remove" />
                    <input type="hidden" name="day" value={d.day} />
                    <button type="submit" className="secondary small-button" aria-label={t("holidays.removeDay", { day: d.day })}>
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
