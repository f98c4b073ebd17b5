/**
 * `postgres_changes` filters as Supabase Realtime reads them: `column=op.value` conditions joined by
 * commas (AND), each optionally negated with `not.`. A condition splits at its first `=` and then
 * at the first `.` only, because values contain dots (`event_type=eq.organization.bootstrap.initiated`).
 * Commas inside double quotes or parentheses do not split (`name=eq."a,b"`, `id=in.(1,2)`).
 *
 * Real Realtime evaluates conditions in SQL (`select $col::type = $value::type`). We evaluate them
 * here on the text Postgres prints, with filter values canonicalised once at subscribe time by a SQL
 * cast to the column's type (see subscription-setup.ts), so `eq` on a uuid, a timestamptz or a
 * numeric compares like Postgres does without a query per row.
 */
import { splitTopLevel } from "../rest/parse/scanner.ts";

export type FilterOp = "eq" | "neq" | "lt" | "lte" | "gt" | "gte" | "in" | "is" | "like" | "ilike" | "isdistinct";

const SUPPORTED_OPS: readonly FilterOp[] = ["eq", "neq", "lt", "lte", "gt", "gte", "in", "is", "like", "ilike", "isdistinct"];
/** Real Realtime evaluates these with Postgres regular expressions, which JavaScript's differ from: refuse rather than guess. */
const UNSUPPORTED_OPS = new Set(["match", "imatch"]);
const IS_VALUES = new Set(["null", "true", "false", "unknown"]);
/** Realtime's own limit on `in` lists. */
export const MAX_IN_VALUES = 100;

export interface FilterCondition {
  readonly column: string;
  readonly op: FilterOp;
  readonly negate: boolean;
  /** One value, or the list for `in`; `is` keeps its keyword (null/true/false/unknown). */
  readonly values: readonly string[];
}

/** A condition bound to one table: values in the column's canonical text form. */
export interface ResolvedCondition extends FilterCondition {
  /** Compare as numbers (int, float, numeric columns). */
  readonly numeric: boolean;
  /** For like/ilike: the pattern compiled once. */
  readonly pattern?: RegExp;
}

/** Thrown when a filter string cannot be parsed; the message is shown to the subscriber. */
export class FilterSyntaxError extends Error {
  override readonly name = "FilterSyntaxError";
}

/** PostgREST-style quoting: `"a,b"` → `a,b`, with `\"` and `\\` unescaped. */
function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, "$1");
  }
  return value;
}

function parseCondition(text: string, whole: string): FilterCondition {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new FilterSyntaxError(`Error parsing \`filter\` params: "${whole}" (expected column=operator.value)`);
  const column = text.slice(0, eq);
  let rest = text.slice(eq + 1);
  let negate = false;
  if (rest.startsWith("not.")) {
    negate = true;
    rest = rest.slice(4);
  }
  const dot = rest.indexOf(".");
  if (dot <= 0) throw new FilterSyntaxError(`Error parsing \`filter\` params: "${whole}" (expected column=operator.value)`);
  const opText = rest.slice(0, dot);
  const rawValue = rest.slice(dot + 1);
  if (UNSUPPORTED_OPS.has(opText)) {
    throw new FilterSyntaxError(`filter operator "${opText}" is not supported by the local stack (supported: ${SUPPORTED_OPS.join(", ")})`);
  }
  if (!(SUPPORTED_OPS as readonly string[]).includes(opText)) {
    throw new FilterSyntaxError(`Error parsing \`filter\` params: unknown operator "${opText}" (supported: ${SUPPORTED_OPS.join(", ")})`);
  }
  const op = opText as FilterOp;
  if (op === "in") {
    if (!rawValue.startsWith("(") || !rawValue.endsWith(")")) {
      throw new FilterSyntaxError(`Error parsing \`filter\` params: "${whole}" (in expects a list like in.(a,b,c))`);
    }
    const values = splitTopLevel(rawValue.slice(1, -1)).map(unquote);
    if (values.length > MAX_IN_VALUES) throw new FilterSyntaxError(`too many values for \`in\` filter. Maximum ${MAX_IN_VALUES}`);
    return { column, op, negate, values };
  }
  if (op === "is" && !IS_VALUES.has(rawValue)) {
    throw new FilterSyntaxError("invalid value for is filter: must be null, true, false, or unknown");
  }
  return { column, op, negate, values: [unquote(rawValue)] };
}

/** Parses a whole filter string; an empty or missing filter means "every row". */
export function parseFilter(filter: string | undefined): FilterCondition[] {
  if (filter === undefined || filter === "") return [];
  return splitTopLevel(filter).map((part) => parseCondition(part, filter));
}

/** SQL LIKE → an anchored RegExp (`%` any run, `_` one character, `\` escapes). */
export function likePattern(pattern: string, caseInsensitive: boolean): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\" && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else if (c === "%") source += "[\\s\\S]*";
    else if (c === "_") source += "[\\s\\S]";
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, caseInsensitive ? "iu" : "u");
}

/** Escapes exactly the RegExp syntax characters (the `u` flag rejects escapes of anything else). */
const escapeRegExp = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

function compare(a: string, b: string, numeric: boolean): number {
  if (numeric) {
    const x = Number(a);
    const y = Number(b);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SQL's three-valued result: null when the column is NULL (a comparison with NULL is unknown). */
function evaluate(condition: ResolvedCondition, value: string | null): boolean | null {
  const { op, values, numeric } = condition;
  const target = values[0] ?? "";
  if (op === "is") {
    if (target === "null") return value === null;
    if (target === "unknown") return value === null;
    return value !== null && value === (target === "true" ? "t" : "f");
  }
  if (op === "isdistinct") return value === null ? true : compare(value, target, numeric) !== 0;
  if (value === null) return null;
  switch (op) {
    case "eq": return compare(value, target, numeric) === 0;
    case "neq": return compare(value, target, numeric) !== 0;
    case "lt": return compare(value, target, numeric) < 0;
    case "lte": return compare(value, target, numeric) <= 0;
    case "gt": return compare(value, target, numeric) > 0;
    case "gte": return compare(value, target, numeric) >= 0;
    case "in": return values.some((v) => compare(value, v, numeric) === 0);
    case "like":
    case "ilike": return condition.pattern!.test(value);
    default: {
      const unreachable: never = op;
      throw new Error(`unhandled filter operator ${String(unreachable)}`);
    }
  }
}

/**
 * True when every condition holds for the row. A column missing from the row (a DELETE's key-only
 * old record, an unchanged TOAST value) fails its condition, as in Realtime.
 */
export function rowPassesFilter(
  conditions: readonly ResolvedCondition[],
  row: Readonly<Record<string, string | null | undefined>> | null,
): boolean {
  if (conditions.length === 0) return true;
  if (!row) return false;
  for (const condition of conditions) {
    const value = row[condition.column];
    if (value === undefined) return false;
    const result = evaluate(condition, value);
    if ((condition.negate ? result === false : result === true) === false) return false;
  }
  return true;
}
