import { parseError } from "../errors.ts";
import { isLogicKey, parseFilter } from "./filter.ts";
import { parseOrder } from "./order.ts";
import { Scanner, readName, splitTopLevel } from "./scanner.ts";
import { parseSelect } from "./select.ts";
import type { Filter, OrderTerm, SelectItem } from "./types.ts";

export interface ReadQuery {
  readonly select: readonly SelectItem[];
  readonly filters: readonly Filter[];
  readonly order: readonly OrderTerm[];
  readonly limit?: number;
  readonly offset: number;
}

export interface ParsedQuery {
  readonly read: ReadQuery;
  /** `columns=`: the columns an insert takes from the body. */
  readonly columns?: readonly string[];
  /** `on_conflict=`: the unique columns an upsert resolves on. */
  readonly onConflict?: readonly string[];
  /** Function arguments passed in the query string (GET /rpc/fn?a=1). */
  readonly args: Readonly<Record<string, string>>;
}

/**
 * Parameters that are never filters. `apikey` is the gateway's, as a query parameter
 * (Kong's key-auth accepts it there too).
 */
const RESERVED = new Set(["select", "order", "limit", "offset", "columns", "on_conflict", "apikey"]);

function parseCount(name: string, text: string | null): number | undefined {
  if (text === null) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw parseError(`${name} parameter`, text, `${name} must be a non-negative integer`);
  return Number(text);
}

function parseNameList(name: string, text: string): string[] {
  return splitTopLevel(text).map((part) => {
    const s = new Scanner(part, `${name} parameter`);
    const column = readName(s);
    if (!s.done) throw s.fail(`unexpected "${s.rest()}"`);
    return column;
  });
}

/**
 * Reads a PostgREST query string. `isArgument` tells which keys are function arguments
 * (GET /rpc/fn?arg=…); every other non-reserved key is a filter.
 */
export function parseQuery(params: URLSearchParams, isArgument: (key: string) => boolean = () => false): ParsedQuery {
  const filters: Filter[] = [];
  const args: Record<string, string> = {};
  for (const [key, value] of params) {
    if (RESERVED.has(key)) continue;
    if (!isLogicKey(key) && isArgument(key)) args[key] = value;
    else filters.push(parseFilter(key, value));
  }
  const limit = parseCount("limit", params.get("limit"));
  const columns = params.get("columns");
  const onConflict = params.get("on_conflict");
  return {
    read: {
      select: parseSelect(params.get("select") ?? "*"),
      filters,
      order: params.has("order") ? parseOrder(params.get("order")!) : [],
      ...(limit !== undefined ? { limit } : {}),
      offset: parseCount("offset", params.get("offset")) ?? 0,
    },
    ...(columns !== null ? { columns: parseNameList("columns", columns) } : {}),
    ...(onConflict !== null ? { onConflict: parseNameList("on_conflict", onConflict) } : {}),
    args,
  };
}
