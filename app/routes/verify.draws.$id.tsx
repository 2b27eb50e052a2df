import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { DomainError } from "#app/domain/errors";
import { verifyRevealedDraw } from "#app/services/pool/draws.server";

export const meta: MetaFunction = () => [{ title: "抽取结果验证 · Tenderhall" }];

/** Public: re-runs a revealed draw from its proof and shows whether it yields the recorded experts. */
export async function loader({ context, params }: LoaderFunctionArgs) {
  try {
    const { proof, outcome } = await verifyRevealedDraw(context.app.db, params.id ?? "");
    return json({ proof, outcome });
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: { code: e.code } }, { status: 404 });
    throw e;
  }
}

export default function VerifyDraw() {
  const { proof, outcome } = useLoaderData<typeof loader>() as unknown as Awaited<ReturnType<typeof verifyRevealedDraw>>;
  const { t } = useTranslation("pool");
  return (
    <>
      <h1>{t("verify.title")}</h1>
      <p className="muted">{proof.v === 2 ? t("verify.algorithm") : t("verify.intro")}</p>
      <div className={`alert ${outcome.ok ? "alert-ok" : "alert-error"}`} data-testid="verify-outcome">
        {outcome.ok ? t("verify.ok", { n: outcome.picks.length }) : t("verify.failed", { reason: outcome.reason })}
      </div>
      <div className="card">
        <dl className="kv">
          <dt>{t("draw.commitment")}</dt>
          <dd>
            <code>{proof.commitment}</code>
          </dd>
          <dt>{t("verify.serverSeed")}</dt>
          <dd>
            <code>{proof.serverSeed}</code>
          </dd>
          {proof.v === 2 ? (
            <>
              <dt>{t("verify.poolCommitment")}</dt>
              <dd>
                <code data-testid="verify-pool-commitment">{proof.poolCommitment}</code>
              </dd>
              <dt>{t("verify.excluded")}</dt>
              <dd data-testid="verify-excluded">{proof.exclusions.length}</dd>
              <dt>{t("verify.salts")}</dt>
              <dd>{proof.salts.map(([p, s]) => `${t(`draw.parties.${p}`)}: ${s}`).join("；")}</dd>
            </>
          ) : (
            <>
              <dt>{t("draw.salt")}</dt>
              <dd>{proof.salt}</dd>
              <dt>{t("draw.recordHead")}</dt>
              <dd>
                <code>{proof.recordHead}</code>
              </dd>
            </>
          )}
          <dt>{t("draw.inputHash")}</dt>
          <dd>
            <code>{proof.inputHash}</code>
          </dd>
          <dt>{t("verify.candidates")}</dt>
          <dd>{proof.candidates.length}</dd>
        </dl>
        <p>
          <a href={`/verify/draws/${proof.drawId}.json`}>{t("verify.download")}</a> · <code>npm run verify-draw -- draw-{proof.drawId}.json</code>
        </p>
      </div>
      <table data-testid="verified-picks">
        <thead>
          <tr>
            <th>{t("draws.specialty")}</th>
            <th>{t("draw.role")}</th>
            <th className="num">#</th>
            <th>{t("columns.code")}</th>
          </tr>
        </thead>
        <tbody>
          {proof.picks.map((p) => (
            <tr key={p.expertId}>
              <td>{p.specialty}</td>
              <td>{t(`roles.${p.role}`)}</td>
              <td className="num">{p.order}</td>
              <td>{p.expertId}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
