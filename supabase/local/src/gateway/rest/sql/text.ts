/** SQL text helpers: every identifier is quoted and every value is a bind parameter. */

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A string literal, only for JSON path keys (which PostgREST also inlines): the `->` operator is
 * overloaded on text and integer, so an untyped parameter would be ambiguous. Quotes are doubled;
 * backslashes are literal because standard_conforming_strings is on (the default since PG 9.1).
 */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Collects bind parameters while a statement is built; `add` returns the `$n` to write. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** The only schema this gateway exposes, like a default Supabase project. */
export const EXPOSED_SCHEMA = "public";

export function qualified(name: string): string {
  return `${ident(EXPOSED_SCHEMA)}.${ident(name)}`;
}
