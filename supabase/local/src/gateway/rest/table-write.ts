import { isPlainObject, readJsonBody } from "./body.ts";
import type { RestContext } from "./context.ts";
import { pgrstError } from "./errors.ts";
import { checkContentType, type Preferences, type ResponseFormat } from "./negotiate.ts";
import type { ParsedQuery } from "./parse/query.ts";
import { contentRange, responseHeaders, sendBody } from "./respond.ts";
import { maxAffectedError, runMutation, singularError, type Aggregated } from "./run.ts";
import { buildDelete, buildInsert, buildUpdate, type MutationPlan, type Representation } from "./sql/mutate.ts";
import { inRequestTransaction } from "./transaction.ts";

/** Sends a mutation's answer: its rows with return=representation, else no body. */
function sendMutation(ctx: RestContext, status: { rows: number; none: number }, result: Aggregated, format: ResponseFormat, prefs: Preferences, range: string): void {
  if (prefs.return === "representation") sendBody(ctx.res, status.rows, result.body ?? "null", responseHeaders(format, range, prefs, true));
  else sendBody(ctx.res, status.none, undefined, responseHeaders(undefined, range, prefs, true));
}

/** Runs a mutation in a read-write transaction, rolling back when a singular or max-affected rule fails. */
async function mutate(ctx: RestContext, plan: MutationPlan, format: ResponseFormat, prefs: Preferences): Promise<Aggregated> {
  const outcome = await inRequestTransaction(ctx.pool, ctx.settings, false, async (client) => {
    const result = await runMutation(client, plan);
    const failure =
      format.singular && result.rows !== 1 ? singularError(result.rows)
      : prefs.maxAffected !== undefined && result.rows > prefs.maxAffected ? maxAffectedError(result.rows)
      : undefined;
    return { commit: failure === undefined, value: { result, failure } };
  });
  if (outcome.failure) throw outcome.failure;
  return outcome.result;
}

function representation(query: ParsedQuery, format: ResponseFormat, prefs: Preferences): Representation | undefined {
  if (prefs.return !== "representation") return undefined;
  return { select: query.read.select, shape: format.singular ? "row" : "rows", stripNulls: format.stripNulls };
}

export async function insertRows(ctx: RestContext, table: string, query: ParsedQuery, format: ResponseFormat, prefs: Preferences): Promise<void> {
  checkContentType(ctx.req.headers);
  const body = await readJsonBody(ctx.req);
  const rows = Array.isArray(body) ? body : [body];
  if (!rows.every(isPlainObject)) throw pgrstError(400, "PGRST102", "Expected a JSON object or an array of objects");
  let columns = query.columns;
  if (columns === undefined) {
    // Without columns=, the first object's keys are the columns and every object must match them.
    columns = Object.keys(rows[0] ?? {});
    const expected = JSON.stringify([...columns].sort());
    if (rows.some((row) => JSON.stringify(Object.keys(row).sort()) !== expected)) throw pgrstError(400, "PGRST102", "All object keys must match");
  }
  let conflict: { columns: readonly string[]; action: "merge" | "ignore" } | undefined;
  if (prefs.resolution) {
    let target = query.onConflict ?? (await ctx.schema.primaryKey(table));
    if (target.length === 0) target = await ctx.schema.primaryKey(table, true);
    if (target.length === 0) {
      throw pgrstError(400, "PGRST100", `An upsert on ${table} needs on_conflict: the table has no primary key`);
    }
    conflict = { columns: target, action: prefs.resolution };
  }
  const plan = buildInsert(
    { table, rows, columns, missingDefault: prefs.missingDefault, ...(conflict ? { conflict } : {}) },
    representation(query, format, prefs),
  );
  const result = await mutate(ctx, plan, format, prefs);
  sendMutation(ctx, { rows: 201, none: 201 }, result, format, prefs, `*/${prefs.count ? result.rows : "*"}`);
}

export async function updateOrDeleteRows(ctx: RestContext, table: string, query: ParsedQuery, format: ResponseFormat, prefs: Preferences): Promise<void> {
  if (query.read.limit !== undefined || query.read.offset > 0) {
    throw pgrstError(400, "PGRST100", "limit and offset on PATCH and DELETE are not supported by the local stack's PostgREST subset");
  }
  let plan: MutationPlan;
  if (ctx.req.method === "PATCH") {
    checkContentType(ctx.req.headers);
    const body = await readJsonBody(ctx.req);
    if (!isPlainObject(body)) throw pgrstError(400, "PGRST102", "Expected a JSON object");
    if (Object.keys(body).length === 0) {
      // Nothing to set: PostgREST touches nothing and answers with no rows.
      if (format.singular) throw singularError(0);
      sendMutation(ctx, { rows: 200, none: 204 }, { rows: 0, body: "[]" }, format, prefs, "*/*");
      return;
    }
    plan = buildUpdate(table, body, query.read.filters, representation(query, format, prefs));
  } else {
    plan = buildDelete(table, query.read.filters, representation(query, format, prefs));
  }
  const result = await mutate(ctx, plan, format, prefs);
  const total = prefs.count ? result.rows : undefined;
  const range = prefs.return === "representation" ? contentRange(0, result.rows, total) : `*/${total ?? "*"}`;
  sendMutation(ctx, { rows: 200, none: 204 }, result, format, prefs, range);
}
