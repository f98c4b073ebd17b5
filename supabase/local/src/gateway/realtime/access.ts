import type pg from "pg";
import type { RawRow } from "./replication.ts";
import type { Subscriber } from "./subscriptions.ts";

/** What one role may see of one table, as Realtime's apply_rls works it out. */
export interface TableAccess {
  /** Row level security is on for the table (deletes then carry only the primary key). */
  readonly rlsEnabled: boolean;
  /** The role skips RLS: superuser, BYPASSRLS (service_role), or owner without FORCE. */
  readonly bypassRls: boolean;
  /** Columns the role has SELECT on; the others are left out of records. */
  readonly selectable: ReadonlySet<string>;
  readonly primaryKey: ReadonlyArray<{ readonly name: string; readonly type: string }>;
}

/**
 * Privilege and RLS checks for the changes of one transaction. Answers are cached for the
 * transaction only, so a GRANT, REVOKE or policy change applies from the next commit on.
 */
export class TransactionAccess {
  private readonly tables = new Map<string, Promise<TableAccess | undefined>>();

  constructor(private readonly pool: pg.Pool) {}

  /** undefined when the role does not exist (nothing is delivered to it). */
  table(role: string, relid: number): Promise<TableAccess | undefined> {
    const key = `${relid}\u0000${role}`;
    let access = this.tables.get(key);
    if (!access) this.tables.set(key, (access = this.load(role, relid)));
    return access;
  }

  private async load(role: string, relid: number): Promise<TableAccess | undefined> {
    const { rows } = await this.pool.query<{
      rls_enabled: boolean;
      bypass_rls: boolean;
      selectable: string[];
      primary_key: Array<{ name: string; type: string }> | null;
    }>(
      `select c.relrowsecurity as rls_enabled,
              r.rolsuper or r.rolbypassrls
                or (pg_has_role(r.oid, c.relowner, 'USAGE') and not c.relforcerowsecurity) as bypass_rls,
              array(select a.attname::text from pg_attribute a
                     where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                       and has_column_privilege(r.oid, c.oid, a.attnum, 'SELECT')) as selectable,
              (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, null))
                               order by array_position(k.conkey, a.attnum))
                 from pg_constraint k join pg_attribute a on a.attrelid = k.conrelid and a.attnum = any(k.conkey)
                where k.conrelid = c.oid and k.contype = 'p') as primary_key
         from pg_class c, pg_roles r
        where c.oid = $1 and r.rolname = $2`,
      [relid, role],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      rlsEnabled: row.rls_enabled,
      bypassRls: row.bypass_rls,
      selectable: new Set(row.selectable),
      primaryKey: row.primary_key ?? [],
    };
  }

  /**
   * Which rows the subscriber may see under RLS: the indexes into `rows` whose primary key selects
   * a row with the subscriber's role and JWT claims in force (Realtime's walrus_rls_stmt, batched:
   * one query for all rows of one table in the transaction). Rows are looked up as they are now,
   * which is also what Realtime does.
   */
  async visibleRows(subscriber: Subscriber, schema: string, table: string, access: TableAccess, rows: readonly RawRow[]): Promise<Set<number>> {
    const key = access.primaryKey;
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const columns = key.map((_c, i) => `k${i}`);
    const sql =
      `select k.ord::int as ord from unnest(${key.map((_c, i) => `$${i + 1}::text[]`).join(", ")}) with ordinality as k(${columns.join(", ")}, ord)
        where exists (select 1 from ${quote(schema)}.${quote(table)} t
                       where ${key.map((c, i) => `t.${quote(c.name)} = k.k${i}::${c.type}`).join(" and ")})`;
    const params = key.map((c) => rows.map((row) => row[c.name] ?? null));
    const client = await this.pool.connect();
    let broken = false;
    // While checked out a client has no pool listener: a socket error (Postgres crashing) would be
    // unhandled and take the gateway down. The query in flight fails anyway; just don't reuse it.
    const onSocketError = () => { broken = true; };
    client.on("error", onSocketError);
    try {
      await client.query("begin read only");
      await client.query("select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)", [
        subscriber.role,
        JSON.stringify(subscriber.claims),
      ]);
      const result = await client.query<{ ord: number }>(sql, params);
      return new Set(result.rows.map((r) => r.ord - 1));
    } finally {
      // The role switch is transaction-local; rolling back restores the superuser for the next user.
      await client.query("rollback").catch(() => { broken = true; });
      client.off("error", onSocketError);
      client.release(broken);
    }
  }
}
