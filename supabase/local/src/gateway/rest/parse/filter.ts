import { Scanner, readField } from "./scanner.ts";
import type { Condition, Field, Filter, IsValue, Operator } from "./types.ts";

const OPERATORS: ReadonlySet<string> = new Set<Operator>([
  "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch", "in", "is", "isdistinct",
  "cs", "cd", "ov", "sl", "sr", "nxr", "nxl", "adj", "fts", "plfts", "phfts", "wfts",
]);
const QUANTIFIABLE: ReadonlySet<string> = new Set(["eq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch"]);
const FULL_TEXT: ReadonlySet<string> = new Set(["fts", "plfts", "phfts", "wfts"]);
const IS_VALUES: ReadonlySet<string> = new Set<IsValue>(["null", "not_null", "true", "false", "unknown"]);
const LOGIC_KEYS: Readonly<Record<string, { operator: "and" | "or"; negated: boolean }>> = {
  and: { operator: "and", negated: false },
  or: { operator: "or", negated: false },
  "not.and": { operator: "and", negated: true },
  "not.or": { operator: "or", negated: true },
};

/** True for the query keys that hold a logic tree (`or=(…)`) rather than a column filter. */
export function isLogicKey(key: string): boolean {
  return key in LOGIC_KEYS;
}

/**
 * One filter from the query string: `col=[not.]op[(modifier)].value`, or a logic tree
 * `or=(a.eq.1,and(b.gt.2,c.is.null))`. Values compare as text bound to parameters; Postgres
 * converts them to the column's type, as with PostgREST.
 */
export function parseFilter(key: string, value: string): Filter {
  const logic = LOGIC_KEYS[key];
  if (logic) {
    const s = new Scanner(value, "logic tree");
    const tree = readLogic(s, logic.operator, logic.negated);
    if (!s.done) throw s.fail(`unexpected "${s.rest()}" after the closing parenthesis`);
    return tree;
  }
  const keyScanner = new Scanner(key, "filter");
  const field = readField(keyScanner);
  if (!keyScanner.done) {
    throw keyScanner.fail(`"${key}" is not a column: filters on embedded resources are not supported by the local stack`);
  }
  const s = new Scanner(value, "filter");
  const condition = readCondition(s, field, false);
  if (!s.done) throw s.fail(`unexpected "${s.rest()}"`);
  return condition;
}

function readLogic(s: Scanner, operator: "and" | "or", negated: boolean): Filter {
  s.expect("(");
  const children: Filter[] = [];
  do {
    children.push(readTreeItem(s));
  } while (s.eat(","));
  s.expect(")");
  return { kind: "logic", operator, negated, children };
}

function readTreeItem(s: Scanner): Filter {
  for (const [prefix, logic] of Object.entries(LOGIC_KEYS)) {
    if (s.peek(`${prefix}(`)) {
      s.expect(prefix);
      return readLogic(s, logic.operator, logic.negated);
    }
  }
  const field = readField(s);
  s.expect(".");
  return readCondition(s, field, true);
}

function readCondition(s: Scanner, field: Field, inTree: boolean): Condition {
  const negated = s.eat("not.");
  const start = s.pos;
  while (!s.done && /[a-z_]/.test(s.text[s.pos]!)) s.pos++;
  const operator = s.text.slice(start, s.pos);
  if (!OPERATORS.has(operator)) throw s.fail(`unknown operator "${operator}"`);
  let modifier: string | undefined;
  if (s.eat("(")) {
    const end = s.text.indexOf(")", s.pos);
    if (end < 0) throw s.fail(`unclosed "(" after ${operator}`);
    modifier = s.text.slice(s.pos, end);
    s.pos = end + 1;
  }
  s.expect(".");

  if (operator === "in") {
    if (modifier !== undefined) throw s.fail("in takes no modifier");
    return { kind: "condition", field, negated, operator, values: readList(s) };
  }
  if (operator === "is") {
    const value = inTree ? readTreeValue(s) : s.rest();
    if (!IS_VALUES.has(value) || modifier !== undefined) throw s.fail(`is. takes null, not_null, true, false or unknown, not "${value}"`);
    return { kind: "condition", field, negated, operator, value: value as IsValue };
  }
  const value = inTree ? readTreeValue(s) : s.rest();
  const op = operator as Exclude<Operator, "in" | "is">;
  if (modifier === undefined) return { kind: "condition", field, negated, operator: op, value };
  if (FULL_TEXT.has(operator)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(modifier)) throw s.fail(`"${modifier}" is not a text search configuration`);
    return { kind: "condition", field, negated, operator: op, value, language: modifier };
  }
  if (QUANTIFIABLE.has(operator) && (modifier === "any" || modifier === "all")) {
    return { kind: "condition", field, negated, operator: op, value, quantifier: modifier };
  }
  throw s.fail(`${operator} does not take the modifier "(${modifier})"`);
}

/** `(a,b,"c,d")`: a parenthesised list; double quotes protect commas and parentheses. */
function readList(s: Scanner): string[] {
  s.expect("(");
  const values: string[] = [];
  if (s.eat(")")) return values;
  do {
    values.push(s.peek('"') ? readQuoted(s) : readUntil(s, ",)"));
  } while (s.eat(","));
  s.expect(")");
  return values;
}

/** A value inside a logic tree ends at a comma or parenthesis at depth 0, unless quoted. */
function readTreeValue(s: Scanner): string {
  if (s.peek('"')) return readQuoted(s);
  const start = s.pos;
  let depth = 0;
  while (!s.done) {
    const c = s.text[s.pos]!;
    if (c === "(" || c === "{" || c === "[") depth++;
    else if ((c === ")" || c === "}" || c === "]") && depth > 0) depth--;
    else if (depth === 0 && (c === "," || c === ")")) break;
    s.pos++;
  }
  return s.text.slice(start, s.pos);
}

function readQuoted(s: Scanner): string {
  s.expect('"');
  let out = "";
  while (!s.done && !s.peek('"')) {
    if (s.eat("\\") && s.done) break;
    out += s.text[s.pos++];
  }
  s.expect('"');
  return out;
}

function readUntil(s: Scanner, stops: string): string {
  const start = s.pos;
  while (!s.done && !stops.includes(s.text[s.pos]!)) s.pos++;
  return s.text.slice(start, s.pos);
}
