import type pg from "pg";
import { pgrstError, type RestError } from "./errors.ts";
import type { MutationPlan } from "./sql/mutate.ts";
import type { Statement } from "./sql/text.ts";

export interface Aggregated {
  /** Every matching row, when `Prefer: count=exact` asked for it. */
  readonly total?: number;
  /** Rows in this response (or affected by a mutation). */
  readonly rows: number;
  /** JSON text built by Postgres; null for an empty singular result or a void function. */
  readonly body: string | null;
}

interface AggregateRow {
  total_result_set: string | null;
  page_total: string;
  body: string | null;
}

export async function runAggregate(client: pg.PoolClient, statement: Statement): Promise<Aggregated> {
  const { rows } = await client.query<AggregateRow>({ text: statement.text, values: [...statement.values] });
  const row = rows[0]!;
  return {
    ...(row.total_result_set !== null ? { total: Number(row.total_result_set) } : {}),
    rows: Number(row.page_total),
    body: row.body,
  };
}

/** Runs a mutation plan: aggregated (RETURNING) or counted (minimal). */
export async function runMutation(client: pg.PoolClient, plan: MutationPlan): Promise<Aggregated> {
  if (plan.kind === "aggregate") return runAggregate(client, plan.statement);
  let rows = 0;
  for (const statement of plan.statements) rows += (await client.query({ text: statement.text, values: [...statement.values] })).rowCount ?? 0;
  return { rows, body: null };
}

/** PGRST116: `application/vnd.pgrst.object+json` wants exactly one row. */
export function singularError(rows: number): RestError {
  return pgrstError(406, "PGRST116", "Cannot coerce the result to a single JSON object", { details: `The result contains ${rows} rows` });
}

/** PGRST124: `Prefer: handling=strict, max-affected=n` and the request touched more rows. */
export function maxAffectedError(rows: number): RestError {
  return pgrstError(400, "PGRST124", "Query result exceeds max-affected preference constraint", { details: `The query affects ${rows} rows` });
}
