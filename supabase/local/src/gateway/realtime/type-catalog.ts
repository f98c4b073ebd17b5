import type pg from "pg";
import { kindOf, type ColumnType } from "./values.ts";

/**
 * Column type names and JSON kinds by type oid, looked up in pg_type the first time a relation
 * uses them. Oids never change meaning while a type exists, so entries are kept for the process.
 * Domains are typed by their base type but reported by their own name, as Realtime does.
 */
export class TypeCatalog {
  private readonly types = new Map<number, ColumnType>();

  constructor(private readonly pool: pg.Pool) {}

  get(oid: number): ColumnType {
    return this.types.get(oid) ?? { name: String(oid), kind: "text", numeric: false };
  }

  async ensure(oids: Iterable<number>): Promise<void> {
    const missing = [...new Set(oids)].filter((oid) => !this.types.has(oid));
    if (missing.length === 0) return;
    const { rows } = await this.pool.query<{
      oid: string;
      name: string;
      base_name: string;
      numeric: boolean;
      element_name: string | null;
    }>(
      `select t.oid::int8 as oid, t.typname as name, bt.typname as base_name,
              bt.typcategory = 'N' as numeric,
              case when bt.typcategory = 'A' then et.typname end as element_name
         from pg_type t
         join pg_type bt on bt.oid = case when t.typbasetype <> 0 then t.typbasetype else t.oid end
         left join pg_type et on et.oid = bt.typelem
        where t.oid = any($1::oid[])`,
      [missing],
    );
    for (const row of rows) {
      const element = row.element_name === null ? undefined : kindOf(row.element_name);
      this.types.set(Number(row.oid), {
        name: row.name,
        kind: kindOf(row.base_name),
        numeric: row.numeric,
        ...(element === undefined ? {} : { element }),
      });
    }
  }
}
