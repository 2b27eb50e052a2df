import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCst } from "#app/domain/tender-form";
import { CsrfInput, FieldError } from "./forms";

type Decl = { id: string; fromDate: string; toDate: string | null };
export type ProfileView = {
  expert: { id: string; code: string; name: string; title: string; titleLevel: string; yearsExperience: number; region: string; employerName: string; employerCode: string | null; status: string; statusReason: string; punished: boolean };
  specialties: { code: string; name: string }[];
  employment: (Decl & { orgName: string; orgCode: string | null })[];
  relationships: (Decl & { orgName: string; orgCode: string | null; kind: string; note: string })[];
  unavailability: (Decl & { reason: string; toDate: string })[];
  history: { evaluationAt: string; status: string; role: string; project: string; code: string }[];
};

function Remove({ type, id }: { type: string; id: string }) {
  const { t } = useTranslation("pool");
  return (
    <Form method="post" className="inline">
      <CsrfInput />
      <input type="hidden" name="intent" value="remove" />
      <input type="hidden" name="type" value={type} />
      <input type="hidden" name="id" value={id} />
      <button type="submit" className="secondary">
        {t("profile.remove")}
      </button>
    </Form>
  );
}

/** An expert's profile, declarations and evaluation history; forms for declarations (and status for admins). */
export function ExpertProfile({ view, admin, fieldErrors = {} }: { view: ProfileView; admin: boolean; fieldErrors?: Record<string, string[] | null> }) {
  const { t } = useTranslation("pool");
  const fe = (k: string) => fieldErrors[k] ?? undefined;
  const e = view.expert;
  const period = (d: Decl) => `${d.fromDate} — ${d.toDate ?? t("profile.now")}`;
  return (
    <>
      <div className="card">
        <dl className="kv">
          <dt>{t("columns.code")}</dt>
          <dd>{e.code}</dd>
          <dt>{t("columns.name")}</dt>
          <dd>{e.name}</dd>
          <dt>{t("columns.title")}</dt>
          <dd>
            {e.title}（{t(`titleLevels.${e.titleLevel}`)}）
          </dd>
          <dt>{t("columns.yearsExperience")}</dt>
          <dd>{e.yearsExperience}</dd>
          <dt>{t("columns.region")}</dt>
          <dd>{e.region}</dd>
          <dt>{t("columns.employerName")}</dt>
          <dd>
            {e.employerName} {e.employerCode}
          </dd>
          <dt>{t("columns.specialties")}</dt>
          <dd>{view.specialties.map((s) => `${s.code} ${s.name}`).join("；")}</dd>
          <dt>{t("columns.status")}</dt>
          <dd data-testid="expert-status">
            {t(`statuses.${e.status}`)}
            {e.statusReason && `（${e.statusReason}）`}
            {e.punished && ` · ${t("columns.punished")}`}
          </dd>
        </dl>
      </div>
      {admin && (
        <Form method="post" className="card" noValidate>
          <CsrfInput />
          <input type="hidden" name="intent" value="status" />
          <h2>{t("profile.setStatus")}</h2>
          <div className="grid grid-3">
            <div className="field">
              <label htmlFor="status">{t("columns.status")}</label>
              <select id="status" name="status" defaultValue={e.status}>
                {(["active", "suspended", "retired", "blacklisted"] as const).map((s) => (
                  <option key={s} value={s}>
                    {t(`statuses.${s}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="reason">{t("columns.statusReason")}</label>
              <input id="reason" name="reason" type="text" defaultValue={e.statusReason} />
              <FieldError errors={fe("reason")} />
            </div>
            <div className="field">
              <label>
                <input type="checkbox" name="punished" defaultChecked={e.punished} /> {t("columns.punished")}
              </label>
            </div>
          </div>
          <button type="submit">{t("profile.save")}</button>
        </Form>
      )}

      <h2>{t("profile.relationships")}</h2>
      <p className="muted small">{t("profile.relationshipsHint")}</p>
      <table>
        <tbody>
          {view.relationships.map((r) => (
            <tr key={r.id}>
              <td>{t(`relationshipKinds.${r.kind}`)}</td>
              <td>
                {r.orgName} {r.orgCode}
              </td>
              <td>{period(r)}</td>
              <td>{r.note}</td>
              <td>
                <Remove type="relationship" id={r.id} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Form method="post" className="card" noValidate>
        <CsrfInput />
        <input type="hidden" name="intent" value="relationship" />
        <div className="grid grid-3">
          <div className="field">
            <label htmlFor="kind">{t("profile.kind")}</label>
            <select id="kind" name="kind">
              {(["shareholding", "directorship", "relative"] as const).map((k) => (
                <option key={k} value={k}>
                  {t(`relationshipKinds.${k}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="rel-org">{t("profile.orgName")}</label>
            <input id="rel-org" name="orgName" type="text" />
            <FieldError errors={fe("orgName")} />
          </div>
          <div className="field">
            <label htmlFor="rel-code">{t("profile.orgCode")}</label>
            <input id="rel-code" name="orgCode" type="text" maxLength={18} />
            <FieldError errors={fe("orgCode")} />
          </div>
          <div className="field">
            <label htmlFor="rel-from">{t("profile.from")}</label>
            <input id="rel-from" name="fromDate" type="date" />
            <FieldError errors={fe("fromDate")} />
          </div>
          <div className="field">
            <label htmlFor="rel-to">{t("profile.to")}</label>
            <input id="rel-to" name="toDate" type="date" />
            <FieldError errors={fe("toDate")} />
          </div>
          <div className="field">
            <label htmlFor="rel-note">{t("profile.note")}</label>
            <input id="rel-note" name="note" type="text" />
          </div>
        </div>
        <button type="submit">{t("profile.declare")}</button>
      </Form>

      <h2>{t("profile.employment")}</h2>
      <table>
        <tbody>
          {view.employment.map((j) => (
            <tr key={j.id}>
              <td>
                {j.orgName} {j.orgCode}
              </td>
              <td>{period(j)}</td>
              <td>
                <Remove type="employment" id={j.id} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Form method="post" className="card" noValidate>
        <CsrfInput />
        <input type="hidden" name="intent" value="employment" />
        <div className="grid grid-3">
          <div className="field">
            <label htmlFor="job-org">{t("profile.orgName")}</label>
            <input id="job-org" name="orgName" type="text" />
          </div>
          <div className="field">
            <label htmlFor="job-code">{t("profile.orgCode")}</label>
            <input id="job-code" name="orgCode" type="text" maxLength={18} />
          </div>
          <div className="field">
            <label htmlFor="job-from">{t("profile.from")}</label>
            <input id="job-from" name="fromDate" type="date" />
          </div>
          <div className="field">
            <label htmlFor="job-to">{t("profile.to")}</label>
            <input id="job-to" name="toDate" type="date" />
          </div>
        </div>
        <button type="submit">{t("profile.declare")}</button>
      </Form>

      <h2>{t("profile.unavailability")}</h2>
      <table>
        <tbody>
          {view.unavailability.map((u) => (
            <tr key={u.id}>
              <td>{period(u)}</td>
              <td>{u.reason}</td>
              <td>
                <Remove type="unavailability" id={u.id} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Form method="post" className="card" noValidate>
        <CsrfInput />
        <input type="hidden" name="intent" value="unavailability" />
        <div className="grid grid-3">
          <div className="field">
            <label htmlFor="away-from">{t("profile.from")}</label>
            <input id="away-from" name="fromDate" type="date" />
          </div>
          <div className="field">
            <label htmlFor="away-to">{t("profile.to")}</label>
            <input id="away-to" name="toDate" type="date" />
            <FieldError errors={fe("toDate")} />
          </div>
          <div className="field">
            <label htmlFor="away-reason">{t("profile.reason")}</label>
            <input id="away-reason" name="reason" type="text" />
          </div>
        </div>
        <button type="submit">{t("profile.declare")}</button>
      </Form>

      <h2>{t("profile.history")}</h2>
      {view.history.length === 0 ? (
        <p className="muted">{t("profile.noHistory")}</p>
      ) : (
        <table>
          <tbody>
            {view.history.map((h, i) => (
              <tr key={i}>
                <td>{formatCst(h.evaluationAt)}</td>
                <td>
                  {h.code} {h.project}
                </td>
                <td>{t(`roles.${h.role}`)}</td>
                <td>{t(`pickStatuses.${h.status}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
