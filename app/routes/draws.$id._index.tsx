import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { DomainError, httpStatusOf, toErrorPayload, type ErrorPayload } from "#app/domain/errors";
import { exclusionReason, shortfallText } from "#app/domain/draw-view";
import { formatCst, toCstInput } from "#app/domain/tender-form";
import { dbNow } from "#app/services/platform/command.server";
import { commitSalt, drawForViewer, drawWithSalt, revealDraw } from "#app/services/pool/draws.server";
import { useLiveRevalidate } from "#app/utils/live";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "专家抽取 · Tenderhall" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context);
  try {
    return json(await drawForViewer(context.app.db, actor, params.id ?? "", await dbNow(context.app.db)));
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context);
  const id = params.id ?? "";
  try {
    const form = await readForm(request, context);
    const intent = form.get("intent");
    if (intent === "salt" || intent === "revealSalt") {
      // ADR 027: the salt and the draw in one command (a reveal that completes the parties' salts draws too).
      const r = await drawWithSalt(context.app, actor, id, String(form.get("salt") ?? ""));
      // R37: a draw short of eligible experts says so, and what follows, where "drawn" is announced.
      return json({ done: !r.drawn ? "saltRevealed" : r.shortfalls.length ? "runShort" : "run" });
    } else if (intent === "commitSalt") {
      await commitSalt(context.app, actor, id, String(form.get("saltCommitment") ?? ""));
      return json({ done: "saltCommitted" });
    } else if (intent === "reveal") await revealDraw(context.app, actor, id);
    else throw new DomainError("VALIDATION", { field: "intent" });
    return json({ done: String(intent) });
  } catch (e) {
    return errorResponse(e);
  }
}

export default function DrawPage() {
  const { draw, project, can, namesVisible, phonesVisible, counts, picks, revealableAt, salting } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { done?: string; error?: ErrorPayload } | undefined;
  const { t } = useTranslation("pool");
  useLiveRevalidate([]);
  return (
    <>
      <h1>
        {t("draw.title")} <span className="tag">{t(`drawStatuses.${draw.status}`)}</span>
      </h1>
      {project && (
        <p className="muted">
          {project.code} · {project.title}
        </p>
      )}
      <ErrorAlert error={data?.error} />
      {data?.done && (
        <div className="alert alert-ok" data-testid="done">
          {t(`draw.done.${data.done}`)}
        </div>
      )}
      <div className="card">
        <dl className="kv">
          <dt>{t("draws.lines")}</dt>
          <dd>{draw.lines.map((l) => t("draw.line", { specialty: l.specialty, count: l.count, backups: l.backups })).join("；")}</dd>
          <dt>{t("draws.regionMode")}</dt>
          <dd>{t(`regionModes.${draw.regionMode}`)}</dd>
          <dt>{t("draws.evaluationAt")}</dt>
          <dd>{formatCst(draw.evaluationAt)}</dd>
          <dt>{t("draw.commitment")}</dt>
          <dd>
            <code data-testid="commitment">{draw.commitment}</code>
          </dd>
          {draw.poolCommitment && (
            <>
              <dt>{t("draw.poolCommitment")}</dt>
              <dd>
                <code data-testid="pool-commitment">{draw.poolCommitment}</code>
              </dd>
              <dt>{t("draw.committedPool")}</dt>
              <dd data-testid="committed-pool">{t("draw.committedPoolValue", { candidates: draw.candidateCount, excluded: draw.excludedCount })}</dd>
              <dt>{t("draw.saltParties")}</dt>
              <dd data-testid="salt-parties">
                {salting.parties
                  .map((p) =>
                    salting.parties.length === 1
                      ? t(`draw.parties.${p}`)
                      : `${t(`draw.parties.${p}`)}（${t(`draw.saltStates.${salting.revealed.includes(p) ? "revealed" : salting.committed.includes(p) ? "committed" : "waiting"}`)}）`,
                  )
                  .join("；")}
              </dd>
            </>
          )}
          <dt>{t("draw.salt")}</dt>
          <dd>{draw.salt ?? "—"}</dd>
          {draw.recordHead && (
            <>
              <dt>{t("draw.recordHead")}</dt>
              <dd>
                <code>{draw.recordHead}</code>
              </dd>
              <dt>{t("draw.inputHash")}</dt>
              <dd>
                <code>{draw.inputHash}</code>
              </dd>
            </>
          )}
          <dt>{t("draw.counts")}</dt>
          <dd data-testid="counts">{t("draw.countsValue", counts)}</dd>
        </dl>
        {draw.shortfalls && draw.shortfalls.length > 0 && (
          <div className="alert alert-warn" data-testid="shortfall">
            {draw.shortfalls.map((s) => (
              <p key={s.specialty}>{shortfallText(s, draw.lines, t).join(" ")}</p>
            ))}
            {can.supplement && project && (
              <p>
                <Link
                  to={`/manage/${project.id}/draws?${new URLSearchParams({ section: draw.sectionId, evaluationAt: toCstInput(draw.evaluationAt), regionMode: "any" })}`}
                  data-testid="supplement"
                >
                  {t("draw.shortfallAction")}
                </Link>
              </p>
            )}
          </div>
        )}
        <div className="actions">
          {can.salt && (
            <Form method="post" className="inline">
              <CsrfInput />
              <input type="hidden" name="intent" value="salt" />
              <p className="muted small">{t("draw.saltHint")}</p>
              <label htmlFor="salt">{t("draw.saltLabel")}</label>
              <input id="salt" name="salt" type="text" required minLength={4} maxLength={200} />
              <button type="submit" data-testid="run">
                {t("draw.saltAndRun")}
              </button>
            </Form>
          )}
          {can.commitSalt && salting.party && <CommitSaltForm drawId={draw.id} party={salting.party} />}
          {can.revealSalt && (
            <Form method="post" className="inline">
              <CsrfInput />
              <input type="hidden" name="intent" value="revealSalt" />
              <label htmlFor="reveal-salt">{t("draw.revealSaltLabel")}</label>
              <input id="reveal-salt" name="salt" type="text" required minLength={4} maxLength={200} />
              <button type="submit" data-testid="reveal-salt">
                {t("draw.revealSalt")}
              </button>
            </Form>
          )}
          {can.reveal && (
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="reveal" />
              <button type="submit" className="secondary">
                {t("draw.reveal")}
              </button>
            </Form>
          )}
          {can.revealLater && (
            <p className="muted small" data-testid="reveal-later">
              {t("draw.revealAfter", { at: formatCst(revealableAt) })}
            </p>
          )}
          {draw.status === "revealed" && <Link to={`/verify/draws/${draw.id}`}>{t("draw.verifyLink")}</Link>}
          {namesVisible && draw.recordPdfSha256 && (
            <a href={`/draws/${draw.id}/record.pdf`} data-testid="record-pdf">
              {t("draw.recordPdf")}
            </a>
          )}
        </div>
      </div>
      <h2>{t("draw.experts")}</h2>
      {!namesVisible ? (
        <p className="alert alert-warn" data-testid="sealed">
          {t("draw.sealed")}
        </p>
      ) : (
        <table data-testid="picks">
          <thead>
            <tr>
              <th>{t("draws.specialty")}</th>
              <th>{t("draw.role")}</th>
              <th className="num">#</th>
              <th>{t("columns.code")}</th>
              <th>{t("columns.name")}</th>
              {phonesVisible && <th>{t("draw.phone")}</th>}
              <th>{t("draw.pickStatus")}</th>
            </tr>
          </thead>
          <tbody>
            {picks.map((p) => (
              <tr key={p.code}>
                <td>{p.specialty}</td>
                <td>{t(`roles.${p.role}`)}</td>
                <td className="num">{p.order}</td>
                <td>{p.code}</td>
                <td>{p.name}</td>
                {phonesVisible && <td>{p.phone ?? "—"}</td>}
                <td>{t(`pickStatuses.${p.status}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {draw.exclusions && draw.exclusions.length > 0 && (
        <>
          <h2>{t("draw.exclusions")}</h2>
          <table data-testid="exclusions">
            <thead>
              <tr>
                <th>{t("columns.code")}</th>
                <th>{t("draw.rule")}</th>
                <th>{t("draw.reason")}</th>
                <th>{t("draw.pseudonym")}</th>
              </tr>
            </thead>
            <tbody>
              {draw.exclusions.map((x) => (
                <tr key={x.expertCode}>
                  <td>{x.expertCode}</td>
                  <td>{x.rule}</td>
                  <td>{exclusionReason(x, t)}</td>
                  <td>
                    <code className="small">{x.pseudonym ? `${x.pseudonym.slice(0, 16)}…` : "—"}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

/** The canonical JSON {drawId, party, salt} (keys in order) hashed with SHA-256: expert-pool/commitment.ts `saltCommitment`. */
async function saltCommitmentOf(drawId: string, party: string, salt: string): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify({ drawId, party, salt }));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Commit-then-reveal (ADR 027): the salt never leaves the browser at this step — only its commitment is posted, so
 * the platform cannot learn it before every party has committed. At least 16 characters (the generated salt is 16
 * random bytes in hex): the commitment is on record, and a short salt could be found from it by a party that has
 * not committed yet. Without scripts the commitment can be computed elsewhere and pasted.
 */
function CommitSaltForm({ drawId, party }: { drawId: string; party: string }) {
  const { t } = useTranslation("pool");
  const [salt, setSalt] = useState("");
  const [commitment, setCommitment] = useState("");
  useEffect(() => {
    let live = true;
    const clean = salt.trim();
    if (clean.length < 4 || typeof crypto === "undefined" || !crypto.subtle) return;
    void saltCommitmentOf(drawId, party, clean).then((c) => live && setCommitment(c));
    return () => {
      live = false;
    };
  }, [drawId, party, salt]);
  const generate = () => setSalt(Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join(""));
  return (
    <Form method="post" className="inline">
      <CsrfInput />
      <input type="hidden" name="intent" value="commitSalt" />
      <label htmlFor="my-salt">{t("draw.mySaltLabel")}</label>
      <input id="my-salt" type="text" value={salt} onChange={(e) => setSalt(e.target.value)} required minLength={16} maxLength={200} autoComplete="off" />
      <button type="button" className="secondary" onClick={generate} data-testid="generate-salt">
        {t("draw.generateSalt")}
      </button>
      <label htmlFor="salt-commitment">{t("draw.saltCommitmentLabel")}</label>
      <input id="salt-commitment" name="saltCommitment" type="text" required pattern="[0-9a-f]{64}" value={commitment} onChange={(e) => setCommitment(e.target.value)} />
      <button type="submit" data-testid="commit-salt">
        {t("draw.commitSalt")}
      </button>
    </Form>
  );
}
