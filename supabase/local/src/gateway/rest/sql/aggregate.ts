/**
 * How the rows of `pgrst_source` become the response body. Postgres builds the JSON (as
 * PostgREST does) and hands it over as text, so the gateway never parses or re-serialises rows.
 */
export type BodyShape =
  /** `[{…}, …]` */
  | "rows"
  /** the first row as an object (`Accept: application/vnd.pgrst.object+json`, or a function returning one row) */
  | "row"
  /** `[1, 2, …]`: a set-returning function of a scalar type */
  | "scalars"
  /** `1`: a function returning one scalar */
  | "scalar";

export interface AggregateOptions {
  readonly shape: BodyShape;
  readonly stripNulls: boolean;
  /** A scalar subquery counting every matching row (`Prefer: count=exact`). */
  readonly totalSql?: string;
}

/** Columns of the result: total_result_set (bigint or null), page_total (bigint), body (text). */
export function aggregate(ctes: string, options: AggregateOptions): string {
  const scalar = options.shape === "scalar" || options.shape === "scalars";
  const agg = `json_agg(_postgrest_t${scalar ? ".pgrst_scalar" : ""})`;
  let body = options.shape === "rows" || options.shape === "scalars" ? `coalesce(${agg}, '[]')` : `(${agg}->0)`;
  if (options.stripNulls) body = `json_strip_nulls(${body})`;
  return (
    `WITH ${ctes} SELECT ${options.totalSql ?? "null::bigint"} AS total_result_set, ` +
    `pg_catalog.count(*) AS page_total, ${body}::text AS body FROM pgrst_source _postgrest_t`
  );
}
