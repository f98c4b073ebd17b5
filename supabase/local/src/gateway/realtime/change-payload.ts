import type { TableAccess } from "./access.ts";
import type { RawRow, RowChange } from "./replication.ts";
import type { TypeCatalog } from "./type-catalog.ts";
import { toJsonValue, type JsonValue } from "./values.ts";

/** Realtime's max_record_bytes: above it, values longer than 64 bytes are dropped and an error is attached. */
const MAX_RECORD_BYTES = 1024 * 1024;
const MAX_VALUE_BYTES_WHEN_TOO_LARGE = 64;

function exceedsMaxRecordBytes(change: RowChange): boolean {
  const values = [change.record, change.oldRecord].flatMap((row) => (row ? Object.values(row) : []));
  let chars = 0;
  for (const value of values) if (typeof value === "string") chars += value.length;
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only count bytes when the cheap bound is not enough.
  if (chars * 3 <= MAX_RECORD_BYTES) return false;
  let bytes = 0;
  for (const value of values) if (typeof value === "string") bytes += Buffer.byteLength(value);
  return bytes > MAX_RECORD_BYTES;
}

/**
 * The `data` of a postgres_changes message as Realtime's apply_rls builds it for one role:
 * only columns the role may select (and, with `select`, only those plus the primary key);
 * `record` for INSERT/UPDATE, `old_record` for UPDATE/DELETE; a DELETE on an RLS table carries
 * only the primary key, since the deleted row can no longer be checked against policies.
 */
export function buildChangeData(
  change: RowChange,
  /** Already formatted (values.ts commitTimestamp), once per transaction. */
  commitTimestamp: string,
  types: TypeCatalog,
  access: TableAccess,
  select: readonly string[] | undefined,
): string {
  const { relation } = change;
  const primaryKey = new Set(access.primaryKey.map((c) => c.name));
  const included = relation.columns.filter(
    (c) => access.selectable.has(c.name) && (select === undefined || select.includes(c.name) || primaryKey.has(c.name)),
  );
  const tooLarge = exceedsMaxRecordBytes(change);

  const toRecord = (row: RawRow | null, fallback: RawRow | null, onlyKey: boolean): Record<string, JsonValue> => {
    const record: Record<string, JsonValue> = {};
    if (!row) return record;
    for (const column of included) {
      if (onlyKey && !primaryKey.has(column.name)) continue;
      // An unchanged TOAST value is not sent again; Realtime takes it from the old row when it has one.
      const text = row[column.name] !== undefined ? row[column.name] : fallback?.[column.name];
      if (text === undefined) continue;
      if (tooLarge && text !== null && Buffer.byteLength(text) > MAX_VALUE_BYTES_WHEN_TOO_LARGE) continue;
      record[column.name] = toJsonValue(text, types.get(column.typeOid));
    }
    return record;
  };

  const data: Record<string, unknown> = {
    schema: relation.schema,
    table: relation.table,
    commit_timestamp: commitTimestamp,
    type: change.type,
    columns: included.map((c) => ({ name: c.name, type: types.get(c.typeOid).name })),
  };
  if (change.type !== "DELETE") data.record = toRecord(change.record, change.oldRecord, false);
  if (change.type !== "INSERT") data.old_record = toRecord(change.oldRecord, null, change.type === "DELETE" && access.rlsEnabled);
  data.errors = tooLarge ? ["Error 413: Payload Too Large"] : null;
  return JSON.stringify(data);
}
