import type { Condition, Field, Filter, OrderTerm, SelectItem } from "../parse/types.ts";
import { ident, literal, type Params } from "./text.ts";

/** `qualifier."col"->'key'->>0`: a column of the relation named by `qualifier`, then its JSON path. */
export function renderField(qualifier: string, field: Field): string {
  let sql = `${qualifier}.${ident(field.name)}`;
  for (const step of field.path) sql += `${step.arrow}${typeof step.key === "number" ? String(step.key) : literal(step.key)}`;
  return sql;
}

/** The output name PostgREST gives a field: its alias, else the last JSON key, else the column. */
function outputName(item: Extract<SelectItem, { kind: "field" }>): string {
  if (item.alias !== undefined) return item.alias;
  const last = item.field.path.at(-1);
  return last === undefined ? item.field.name : String(last.key);
}

export function renderSelectList(qualifier: string, items: readonly SelectItem[]): string {
  return items
    .map((item) => {
      if (item.kind === "star") return `${qualifier}.*`;
      const expr = renderField(qualifier, item.field);
      return `${item.cast ? `CAST(${expr} AS ${item.cast})` : expr} AS ${ident(outputName(item))}`;
    })
    .join(", ");
}

const BINARY: Readonly<Record<string, string>> = {
  eq: "=", neq: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=",
  like: "LIKE", ilike: "ILIKE", match: "~", imatch: "~*", isdistinct: "IS DISTINCT FROM",
  cs: "@>", cd: "<@", ov: "&&", sl: "<<", sr: ">>", nxr: "&<", nxl: "&>", adj: "-|-",
};
const TEXT_SEARCH: Readonly<Record<string, string>> = {
  fts: "to_tsquery", plfts: "plainto_tsquery", phfts: "phraseto_tsquery", wfts: "websearch_to_tsquery",
};
const IS_SQL = { null: "IS NULL", not_null: "IS NOT NULL", true: "IS TRUE", false: "IS FALSE", unknown: "IS UNKNOWN" } as const;

/**
 * Values are untyped bind parameters, so Postgres reads them with the column's own input
 * function (`eq.organization.bootstrap.initiated` compares text; `eq.5` an integer).
 */
function renderCondition(qualifier: string, c: Condition, params: Params): string {
  const field = renderField(qualifier, c.field);
  let sql: string;
  if (c.operator === "in") {
    sql = `${field} = ANY(${params.add(c.values)})`;
  } else if (c.operator === "is") {
    sql = `${field} ${IS_SQL[c.value]}`;
  } else if (c.operator in TEXT_SEARCH) {
    const config = c.language === undefined ? "" : `${params.add(c.language)}::regconfig, `;
    sql = `${field} @@ ${TEXT_SEARCH[c.operator]}(${config}${params.add(c.value)})`;
  } else {
    // PostgREST accepts `*` as the LIKE wildcard because `%` is awkward in URLs.
    const value = c.operator === "like" || c.operator === "ilike" ? c.value.replace(/\*/g, "%") : c.value;
    const op = BINARY[c.operator]!;
    sql = c.quantifier ? `${field} ${op} ${c.quantifier.toUpperCase()}(${params.add(value)})` : `${field} ${op} ${params.add(value)}`;
  }
  return c.negated ? `NOT (${sql})` : sql;
}

export function renderFilter(qualifier: string, filter: Filter, params: Params): string {
  if (filter.kind === "condition") return renderCondition(qualifier, filter, params);
  const joined = filter.children.map((child) => renderFilter(qualifier, child, params)).join(filter.operator === "and" ? " AND " : " OR ");
  return filter.negated ? `NOT (${joined})` : `(${joined})`;
}

export function renderWhere(qualifier: string, filters: readonly Filter[], params: Params): string {
  if (filters.length === 0) return "";
  return ` WHERE ${filters.map((f) => renderFilter(qualifier, f, params)).join(" AND ")}`;
}

export function renderOrder(qualifier: string, order: readonly OrderTerm[]): string {
  if (order.length === 0) return "";
  const terms = order.map((t) => {
    const nulls = t.nulls ? ` NULLS ${t.nulls.toUpperCase()}` : "";
    return `${renderField(qualifier, t.field)} ${t.direction.toUpperCase()}${nulls}`;
  });
  return ` ORDER BY ${terms.join(", ")}`;
}
