import type { Filter, SelectItem } from "../parse/types.ts";
import { aggregate, type BodyShape } from "./aggregate.ts";
import { renderSelectList, renderWhere } from "./expressions.ts";
import { Params, ident, qualified, type Statement } from "./text.ts";

/** `Prefer: return=representation`: the RETURNING list and how to shape it. */
export interface Representation {
  readonly select: readonly SelectItem[];
  readonly shape: BodyShape;
  readonly stripNulls: boolean;
}

/**
 * A mutation is either one statement whose result is aggregated into the body, or (for
 * `return=minimal`) plain statements whose row counts are summed. Minimal never uses RETURNING
 * because RETURNING makes Postgres apply SELECT policies to the new rows: an insert-only RLS
 * policy must accept a minimal insert, as on PostgREST.
 */
export type MutationPlan =
  | { readonly kind: "aggregate"; readonly statement: Statement }
  | { readonly kind: "rowcount"; readonly statements: readonly Statement[] };

export interface InsertSpec {
  readonly table: string;
  readonly rows: readonly Record<string, unknown>[];
  /** The columns taken from the body (`columns=`, or the keys of the first object). */
  readonly columns: readonly string[];
  /** `Prefer: missing=default`: a key absent from a row gets the column default, not NULL. */
  readonly missingDefault: boolean;
  readonly conflict?: { readonly columns: readonly string[]; readonly action: "merge" | "ignore" };
}

/** Wraps one or more data-modifying statements (each with RETURNING) into the aggregating query. */
function aggregated(statements: readonly string[], params: Params, representation: Representation): MutationPlan {
  const ctes = statements.map((text, i) => `pgrst_m${i} AS (${text})`);
  const union = statements.length === 0 ? "SELECT WHERE false" : statements.map((_, i) => `SELECT * FROM pgrst_m${i}`).join(" UNION ALL ");
  const text = aggregate([...ctes, `pgrst_source AS (${union})`].join(", "), {
    shape: representation.shape,
    stripNulls: representation.stripNulls,
  });
  return { kind: "aggregate", statement: { text, values: params.values } };
}

/** A single-statement mutation: aggregated with RETURNING, or counted without. */
function single(build: (params: Params, returning: string) => string, table: string, representation: Representation | undefined): MutationPlan {
  const params = new Params();
  if (!representation) return { kind: "rowcount", statements: [{ text: build(params, ""), values: params.values }] };
  return aggregated([build(params, ` RETURNING ${renderSelectList(table, representation.select)}`)], params, representation);
}

interface InsertGroup {
  readonly columns: readonly string[];
  readonly rows: Record<string, unknown>[];
}

function groupRows(spec: InsertSpec): InsertGroup[] {
  const groups = new Map<string, InsertGroup>();
  for (const row of spec.rows) {
    const columns = spec.missingDefault ? spec.columns.filter((c) => Object.hasOwn(row, c)) : spec.columns;
    const key = JSON.stringify(columns);
    const group = groups.get(key) ?? { columns, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * INSERT … SELECT from json_populate_recordset(NULL::table, $json): Postgres converts every value
 * with the column's own type. Rows are grouped by the columns they carry so that, with
 * missing=default, each group inserts only its columns and the real DEFAULTs apply (no default
 * expression is copied out of the catalog).
 */
export function buildInsert(spec: InsertSpec, representation: Representation | undefined): MutationPlan {
  const table = qualified(spec.table);
  const groups = groupRows(spec);
  const statement = (group: InsertGroup, params: Params, returning: string): string => {
    const json = params.add(JSON.stringify(group.rows));
    const cols = group.columns.map(ident).join(", ");
    const insert =
      group.columns.length === 0
        ? `INSERT INTO ${table} SELECT FROM json_array_elements(${json}::json)`
        : `INSERT INTO ${table} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${table}, ${json}::json)`;
    return insert + onConflict(spec, group.columns) + returning;
  };
  if (!representation) {
    // Run one by one, so each statement numbers its own parameters from $1.
    return {
      kind: "rowcount",
      statements: groups.map((group) => {
        const params = new Params();
        return { text: statement(group, params, ""), values: params.values };
      }),
    };
  }
  const params = new Params();
  const returning = ` RETURNING ${renderSelectList(table, representation.select)}`;
  return aggregated(groups.map((group) => statement(group, params, returning)), params, representation);
}

function onConflict(spec: InsertSpec, columns: readonly string[]): string {
  if (!spec.conflict) return "";
  const target = ` ON CONFLICT (${spec.conflict.columns.map(ident).join(", ")})`;
  const updated = columns.filter((c) => !spec.conflict!.columns.includes(c));
  if (spec.conflict.action === "ignore" || updated.length === 0) return `${target} DO NOTHING`;
  return `${target} DO UPDATE SET ${updated.map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`).join(", ")}`;
}

/** PATCH: the body's keys are the columns set; values are converted by json_populate_record. */
export function buildUpdate(
  tableName: string,
  values: Record<string, unknown>,
  filters: readonly Filter[],
  representation: Representation | undefined,
): MutationPlan {
  const table = qualified(tableName);
  const set = Object.keys(values).map((c) => `${ident(c)} = pgrst_body.${ident(c)}`).join(", ");
  return single(
    (params, returning) =>
      `UPDATE ${table} SET ${set} FROM (SELECT * FROM json_populate_record(NULL::${table}, ${params.add(JSON.stringify(values))}::json)) pgrst_body` +
      renderWhere(table, filters, params) +
      returning,
    table,
    representation,
  );
}

export function buildDelete(tableName: string, filters: readonly Filter[], representation: Representation | undefined): MutationPlan {
  const table = qualified(tableName);
  return single((params, returning) => `DELETE FROM ${table}${renderWhere(table, filters, params)}${returning}`, table, representation);
}
