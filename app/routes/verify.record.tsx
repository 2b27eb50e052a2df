import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { entryLeaf, fromHex, verifyInclusion } from "#crypto/merkle";
import { DomainError } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { inclusion, listCheckpoints, logOrigin, positiveParam } from "#app/services/transparency/log.server";

export const meta: MetaFunction = () => [{ title: "交易档案公开验证 · Tenderhall" }];

/**
 * Public: the record's transparency log (docs/record-format.md) — the latest signed checkpoints, the JSON a witness
 * polls, and an entry's inclusion proof in the latest checkpoint (`?seq=`), checked here and printed for anyone to
 * check again with their own code.
 */
export async function loader({ context, request }: LoaderFunctionArgs) {
  const q = new URL(request.url).searchParams;
  const checkpoints = await listCheckpoints(context.app.db, { limit: 20 });
  const latest = checkpoints[0] ?? null;
  let lookup: { seq: number; size: number; entryHash: string; proof: string[]; ok: boolean } | { error: string } | null = null;
  try {
    const seq = positiveParam(q.get("seq"), "seq");
    if (seq !== undefined) {
      if (!latest || seq > latest.size) lookup = { error: "notYet" };
      else {
        const p = await inclusion(context.app.db, seq, latest.size);
        const ok = verifyInclusion(entryLeaf(p.entryHash), seq - 1, p.size, p.proof.map(fromHex), fromHex(latest.rootHash));
        lookup = { seq, size: p.size, entryHash: p.entryHash, proof: p.proof, ok };
      }
    }
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    lookup = { error: "badSeq" };
  }
  return json({ origin: latest ? latest.signed.body.split("\n")[0]! : logOrigin(context.app.config), checkpoints: checkpoints.map(({ signed: _s, ...c }) => c), lookup, seqParam: q.get("seq") ?? "" });
}

export default function VerifyRecord() {
  const { origin, checkpoints, lookup, seqParam } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <>
      <h1>{t("transparency.title")}</h1>
      <p className="muted">{t("transparency.intro")}</p>
      <section className="card">
        <h2>{t("transparency.checkpoints")}</h2>
        <p className="muted">
          {t("transparency.origin")}: <code>{origin}</code> · <a href="/verify/record.json">record.json</a> · <a href="/pki">{t("nav.pki")}</a>
        </p>
        {checkpoints.length === 0 ? (
          <p data-testid="no-checkpoints">{t("transparency.none")}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="checkpoints">
              <thead>
                <tr>
                  <th>{t("transparency.size")}</th>
                  <th>{t("transparency.root")}</th>
                  <th>{t("transparency.issuedAt")}</th>
                </tr>
              </thead>
              <tbody>
                {checkpoints.map((c) => (
                  <tr key={c.size}>
                    <td>{c.size}</td>
                    <td>
                      <code style={{ wordBreak: "break-all" }}>{c.rootHash}</code>
                    </td>
                    <td>{formatCst(new Date(c.issuedAt))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card">
        <h2>{t("transparency.lookup")}</h2>
        <Form method="get" className="row">
          <label>
            {t("transparency.seq")}{" "}
            <input name="seq" inputMode="numeric" pattern="[1-9][0-9]{0,15}" defaultValue={seqParam} required maxLength={16} />
          </label>
          <button type="submit">{t("transparency.check")}</button>
        </Form>
        {lookup && "error" in lookup ? <div className="alert alert-error">{t(`transparency.${lookup.error}`)}</div> : null}
        {lookup && "proof" in lookup ? (
          <div data-testid="inclusion">
            <div className={`alert ${lookup.ok ? "alert-ok" : "alert-error"}`}>{lookup.ok ? t("transparency.included", { seq: lookup.seq, size: lookup.size }) : t("transparency.notIncluded", { seq: lookup.seq })}</div>
            <dl className="kv">
              <dt>{t("transparency.entryHash")}</dt>
              <dd>
                <code style={{ wordBreak: "break-all" }}>{lookup.entryHash}</code>
              </dd>
              <dt>{t("transparency.proof")}</dt>
              <dd>
                {lookup.proof.map((h) => (
                  <div key={h}>
                    <code style={{ wordBreak: "break-all" }}>{h}</code>
                  </div>
                ))}
              </dd>
            </dl>
            <p className="muted">
              <a href={`/verify/record/inclusion.json?seq=${lookup.seq}&size=${lookup.size}`}>inclusion.json</a>
            </p>
          </div>
        ) : null}
      </section>
      <section className="card">
        <h2>{t("transparency.howTitle")}</h2>
        <p>{t("transparency.how")}</p>
        <pre>
          <code>{`npm run witness -- --url <${t("transparency.platformUrl")}> --store ./witness-data`}</code>
        </pre>
      </section>
    </>
  );
}
