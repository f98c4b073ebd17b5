import type pg from "pg";
import { FilterSyntaxError, likePattern, parseFilter, type FilterCondition, type ResolvedCondition } from "./filter.ts";
import type { ChangeEvent } from "./subscriptions.ts";

/** One `config.postgres_changes` entry of a join, validated. */
export interface ChangesRequest {
  readonly event: ChangeEvent;
  readonly schema: string;
  /** undefined or "*" means every published table of the schema. */
  readonly table: string | undefined;
  readonly filter: string | undefined;
  readonly select: readonly string[] | undefined;
}

/**
 * Thrown when a postgres_changes subscription cannot be created; the message goes to the client in
 * the `system` message (or the join's error reply with `postgres_changes_options.wait`).
 */
export class SubscriptionError extends Error {
  override readonly name = "SubscriptionError";
}

const EVENTS = new Set<string>(["INSERT", "UPDATE", "DELETE", "*"]);

export function parseChangesRequest(entry: unknown): ChangesRequest {
  if (typeof entry !== "object" || entry === null) throw new SubscriptionError("postgres_changes entries must be objects");
  const { event, schema, table, filter, select } = entry as Record<string, unknown>;
  const normalized = typeof event === "string" ? event.toUpperCase() : undefined;
  if (!normalized || !EVENTS.has(normalized)) {
    throw new SubscriptionError(`invalid postgres_changes event ${JSON.stringify(event)}: use INSERT, UPDATE, DELETE or *`);
  }
  if (typeof schema !== "string" || schema === "") throw new SubscriptionError("postgres_changes needs a schema");
  if (table !== undefined && table !== null && typeof table !== "string") throw new SubscriptionError("postgres_changes table must be a string");
  if (filter !== undefined && filter !== null && typeof filter !== "string") throw new SubscriptionError("postgres_changes filter must be a string");
  if (select !== undefined && select !== null && (!Array.isArray(select) || !select.every((c) => typeof c === "string"))) {
    throw new SubscriptionError("selected_columns cannot contain null values.");
  }
  return {
    event: normalized as ChangeEvent,
    schema,
    table: typeof table === "string" ? table : undefined,
    filter: typeof filter === "string" && filter !== "" ? filter : undefined,
    select: Array.isArray(select) ? (select as string[]) : undefined,
  };
}

interface ColumnInfo {
  readonly relid: string;
  readonly name: string;
  readonly type: string;
  readonly numeric: boolean;
  readonly textual: boolean;
  readonly boolean: boolean;
  readonly selectable: boolean;
}

/** Filter values in the column type's own text form (uuid case, timestamptz in UTC, …), or the cast's error. */
async function canonicalValues(pool: pg.Pool, values: ReadonlyArray<{ value: string; type: string }>): Promise<string[]> {
  if (values.length === 0) return [];
  // format_type() output is a valid SQL type name, so it can be spliced into the cast.
  const select = values.map((v, i) => `($${i + 1}::text)::${v.type}::text as v${i}`).join(", ");
  const { rows } = await pool.query<Record<string, string>>(`select ${select}`, values.map((v) => v.value));
  return values.map((_v, i) => rows[0]![`v${i}`]!);
}

function checkOperator(condition: FilterCondition, column: ColumnInfo): void {
  if (condition.op === "is" && condition.values[0] !== "null" && !column.boolean) {
    throw new SubscriptionError(`is ${condition.values[0]} filter requires a boolean column, got ${column.type}`);
  }
  if ((condition.op === "like" || condition.op === "ilike") && !column.textual) {
    throw new SubscriptionError(`operator ${condition.op} requires a text-compatible column type, got ${column.type}`);
  }
}

async function resolveConditions(
  pool: pg.Pool,
  conditions: readonly FilterCondition[],
  columns: ReadonlyMap<string, ColumnInfo>,
): Promise<ResolvedCondition[]> {
  const resolved: ResolvedCondition[] = [];
  for (const condition of conditions) {
    const column = columns.get(condition.column);
    if (!column || !column.selectable) throw new SubscriptionError(`invalid column for filter ${condition.column}`);
    checkOperator(condition, column);
    let values = condition.values;
    if (condition.op !== "is" && condition.op !== "like" && condition.op !== "ilike") {
      try {
        values = await canonicalValues(pool, condition.values.map((value) => ({ value, type: column.type })));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new SubscriptionError(`invalid value for filter on ${condition.column}: ${message}`);
      }
    }
    resolved.push({
      ...condition,
      values,
      numeric: column.numeric,
      ...(condition.op === "like" || condition.op === "ilike"
        ? { pattern: likePattern(condition.values[0] ?? "", condition.op === "ilike") }
        : {}),
    });
  }
  return resolved;
}

/**
 * What Realtime does when it creates a subscription: find the published tables the entry names
 * (none → error), check that the role exists and may select every filter and select column, and
 * check that filter values cast to the column types. Returns the conditions per table oid.
 */
export async function resolveSubscription(
  pool: pg.Pool,
  publication: string,
  role: string,
  request: ChangesRequest,
): Promise<Map<number, ResolvedCondition[]>> {
  let conditions: FilterCondition[];
  try {
    conditions = parseFilter(request.filter);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw new SubscriptionError(error.message);
    throw error;
  }
  const roleRows = await pool.query("select 1 from pg_roles where rolname = $1", [role]);
  if (roleRows.rowCount === 0) throw new SubscriptionError(`invalid role "${role}" in the access token`);

  const tables = await pool.query<{ relid: string }>(
    `select c.oid::int8 as relid
       from pg_publication_tables pt
       join pg_namespace n on n.nspname = pt.schemaname
       join pg_class c on c.relnamespace = n.oid and c.relname = pt.tablename
      where pt.pubname = $1 and ($2 = '*' or pt.schemaname = $2) and ($3 = '*' or pt.tablename = $3)`,
    [publication, request.schema, request.table ?? "*"],
  );
  if (tables.rows.length === 0) {
    throw new SubscriptionError(
      "Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: " +
        `[event: ${request.event}, schema: ${request.schema}, table: ${request.table ?? "*"}, filters: [${request.filter ?? ""}]]`,
    );
  }

  const columnRows = await pool.query<ColumnInfo>(
    `select a.attrelid::int8 as relid, a.attname as name, format_type(a.atttypid, null) as type,
            bt.typcategory = 'N' as numeric, bt.typcategory = 'S' as textual, bt.typname = 'bool' as boolean,
            has_column_privilege($2::name, a.attrelid, a.attnum, 'SELECT') as selectable
       from pg_attribute a
       join pg_type t on t.oid = a.atttypid
       join pg_type bt on bt.oid = case when t.typbasetype <> 0 then t.typbasetype else t.oid end
      where a.attrelid = any($1::oid[]) and a.attnum > 0 and not a.attisdropped`,
    [tables.rows.map((r) => r.relid), role],
  );
  const result = new Map<number, ResolvedCondition[]>();
  for (const { relid } of tables.rows) {
    const columns = new Map(columnRows.rows.filter((c) => c.relid === relid).map((c) => [c.name, c]));
    for (const name of request.select ?? []) {
      if (!columns.get(name)?.selectable) throw new SubscriptionError(`invalid column for select ${name}`);
    }
    result.set(Number(relid), await resolveConditions(pool, conditions, columns));
  }
  return result;
}
