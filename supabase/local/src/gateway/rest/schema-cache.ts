import type pg from "pg";
import { EXPOSED_SCHEMA, qualified } from "./sql/text.ts";

export interface FunctionArg {
  readonly name: string;
  /** As format_type prints it (`integer`, `text[]`, `public.my_enum`): written into SQL as is. */
  readonly type: string;
  readonly hasDefault: boolean;
  /** A VARIADIC array argument: named notation must say `VARIADIC name := …`. */
  readonly variadic: boolean;
}

export interface FunctionDef {
  readonly name: string;
  /** Input arguments (IN, INOUT, VARIADIC) in declaration order. */
  readonly args: readonly FunctionArg[];
  readonly returns: "void" | "scalar" | "composite";
  readonly returnsSet: boolean;
}

const FUNCTIONS_SQL = `
select p.pronargdefaults as n_defaults,
       p.proretset as returns_set,
       p.prorettype = 'void'::regtype as returns_void,
       (t.typtype = 'c' or p.prorettype = 'record'::regtype) as returns_composite,
       coalesce(p.proargnames, '{}') as arg_names,
       coalesce(p.proargmodes::text[], '{}') as arg_modes,
       array(select format_type(a.type, null)
             from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality as a(type, i)
             order by a.i) as arg_types
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_type t on t.oid = p.prorettype
where n.nspname = $1 and p.proname = $2 and p.prokind = 'f'`;

const PRIMARY_KEY_SQL = `
select a.attname as name
from pg_index i
join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
where i.indrelid = to_regclass($1) and i.indisprimary
order by array_position(i.indkey::int2[], a.attnum)`;

interface FunctionRow {
  n_defaults: number;
  returns_set: boolean;
  returns_void: boolean;
  returns_composite: boolean;
  arg_names: string[];
  arg_modes: string[];
  arg_types: string[];
}

function toFunctionDef(name: string, row: FunctionRow): FunctionDef {
  const inputs = row.arg_types
    .map((type, i) => ({ type, name: row.arg_names[i] ?? "", mode: row.arg_modes[i] ?? "i" }))
    .filter((arg) => arg.mode === "i" || arg.mode === "b" || arg.mode === "v");
  const firstDefault = inputs.length - row.n_defaults;
  return {
    name,
    args: inputs.map((arg, i) => ({ name: arg.name, type: arg.type, hasDefault: i >= firstDefault, variadic: arg.mode === "v" })),
    returns: row.returns_void ? "void" : row.returns_composite ? "composite" : "scalar",
    returnsSet: row.returns_set,
  };
}

/**
 * What PostgREST keeps in its schema cache, for the two things that need it here: function
 * signatures (to pick an overload and type its arguments) and primary keys (the default upsert
 * target). Loaded per name on first use over the admin connection, never on the hot path
 * afterwards; `fresh` reloads after a miss, because tests create objects while the stack runs.
 * Tables and columns need no cache: Postgres itself reports unknown ones (42P01, 42703).
 */
export class SchemaCache {
  private readonly functions = new Map<string, Promise<readonly FunctionDef[]>>();
  private readonly primaryKeys = new Map<string, Promise<readonly string[]>>();

  constructor(private readonly admin: pg.Pool) {}

  functionsNamed(name: string, fresh = false): Promise<readonly FunctionDef[]> {
    return this.cached(this.functions, name, fresh, async () => {
      const { rows } = await this.admin.query<FunctionRow>(FUNCTIONS_SQL, [EXPOSED_SCHEMA, name]);
      return rows.map((row) => toFunctionDef(name, row));
    });
  }

  primaryKey(table: string, fresh = false): Promise<readonly string[]> {
    return this.cached(this.primaryKeys, table, fresh, async () => {
      const { rows } = await this.admin.query<{ name: string }>(PRIMARY_KEY_SQL, [qualified(table)]);
      return rows.map((row) => row.name);
    });
  }

  /**
   * Concurrent lookups of one name share a single query. Failed loads and empty answers are not
   * kept, so requests for names that do not exist cannot grow the cache.
   */
  private cached<T extends readonly unknown[]>(map: Map<string, Promise<T>>, key: string, fresh: boolean, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit && !fresh) return hit;
    const loading = load();
    map.set(key, loading);
    const forget = () => {
      if (map.get(key) === loading) map.delete(key);
    };
    loading.then((value) => value.length === 0 && forget(), forget);
    return loading;
  }
}
