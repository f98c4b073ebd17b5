import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type pg from "pg";
import { TransactionAccess, type TableAccess } from "./access.ts";
import { buildChangeData } from "./change-payload.ts";
import { rowPassesFilter } from "./filter.ts";
import type { CommittedTransaction, RowChange } from "./replication.ts";
import type { Channel, Subscriber, SubscriptionRegistry } from "./subscriptions.ts";
import type { TypeCatalog } from "./type-catalog.ts";
import { commitTimestamp } from "./values.ts";

export interface DispatchDeps {
  readonly pool: pg.Pool;
  readonly registry: SubscriptionRegistry;
  readonly types: TypeCatalog;
  /** Fault injection: while true, matching changes are dropped (Realtime's "silent stop"). */
  isPaused(): boolean;
}

/** One message to send: a change, to one channel, naming the bindings (with the same `select`) it matched. */
interface Delivery {
  readonly changeIndex: number;
  readonly channel: Channel;
  /** Snapshot: an access_token arriving mid-transaction applies from the next one. */
  readonly subscriber: Subscriber;
  readonly ids: number[];
  readonly select: readonly string[] | undefined;
}

/** Sends are interleaved with the event loop every so often, so a 10,000-row transaction never stalls the gateway. */
const DELIVERIES_PER_TURN = 250;
const MATCHES_PER_TURN = 1000;

function matchDeliveries(change: RowChange, changeIndex: number, channels: ReadonlySet<Channel>): Delivery[] {
  const deliveries: Delivery[] = [];
  // Realtime matches DELETEs on the old row's identity columns, everything else on the new row.
  const row = change.type === "DELETE" ? change.oldRecord : change.record;
  for (const channel of channels) {
    const groups = new Map<string, Delivery>();
    for (const binding of channel.bindings) {
      if (binding.event !== "*" && binding.event !== change.type) continue;
      const conditions = binding.tables.get(change.relation.relid);
      if (!conditions || !rowPassesFilter(conditions, row)) continue;
      const key = binding.select?.join("\u0000") ?? "*";
      const group = groups.get(key);
      if (group) group.ids.push(binding.id);
      else groups.set(key, { changeIndex, channel, subscriber: channel.subscriber, ids: [binding.id], select: binding.select });
    }
    deliveries.push(...groups.values());
  }
  return deliveries;
}

/**
 * Why a role gets nothing for a non-DELETE change even before RLS, as in apply_rls: a table with no
 * primary key (Realtime: "Error 400: Bad Request, no primary key") or a primary key the role may
 * not select ("Error 401: Unauthorized"). The brief for the local stack is to deliver nothing then.
 */
function deniedBeforeRls(change: RowChange, access: TableAccess): boolean {
  if (change.type === "DELETE") return false;
  return access.primaryKey.length === 0 || access.primaryKey.some((c) => !access.selectable.has(c.name));
}

/** RLS answers depend on the table, the role and the claims; the claims part is computed once per subscriber. */
const subscriberKeys = new WeakMap<Subscriber, string>();
function rlsKey(change: RowChange, subscriber: Subscriber): string {
  let key = subscriberKeys.get(subscriber);
  if (key === undefined) subscriberKeys.set(subscriber, (key = `${subscriber.role}\u0000${JSON.stringify(subscriber.claims)}`));
  return `${change.relation.relid}\u0000${key}`;
}

const needsRlsCheck = (change: RowChange, access: TableAccess) => change.type !== "DELETE" && access.rlsEnabled && !access.bypassRls;

/**
 * Fans one committed transaction out to every matching subscription, in commit order: match events
 * and filters, look up privileges and RLS settings once per (role, table), check RLS visibility once
 * per (subscriber, table) for all rows at once, then send.
 */
export function createDispatcher(deps: DispatchDeps): (transaction: CommittedTransaction) => Promise<void> {
  return async (transaction) => {
    if (deps.isPaused()) return;
    const { changes } = transaction;
    const deliveries: Delivery[] = [];
    for (let index = 0; index < changes.length; index++) {
      const change = changes[index]!;
      const channels = deps.registry.channelsFor(change.relation.relid);
      if (channels && channels.size > 0) deliveries.push(...matchDeliveries(change, index, channels));
      if ((index + 1) % MATCHES_PER_TURN === 0) await yieldToEventLoop();
    }
    if (deliveries.length === 0) return;

    // Privileges and RLS settings: one look-up per (role, table) in the transaction.
    const access = new TransactionAccess(deps.pool);
    const accessKey = (d: Delivery) => `${changes[d.changeIndex]!.relation.relid}\u0000${d.subscriber.role}`;
    const tableAccess = new Map<string, TableAccess | undefined>();
    for (const d of deliveries) {
      const key = accessKey(d);
      if (!tableAccess.has(key)) tableAccess.set(key, await access.table(d.subscriber.role, changes[d.changeIndex]!.relation.relid));
    }
    const accessOf = (d: Delivery) => tableAccess.get(accessKey(d));

    // RLS: group the rows each subscriber needs checked per table, one query per group.
    const checks = new Map<string, { subscriber: Subscriber; access: TableAccess; change: RowChange; indexes: number[] }>();
    for (const d of deliveries) {
      const change = changes[d.changeIndex]!;
      const a = accessOf(d);
      if (!a || deniedBeforeRls(change, a) || !needsRlsCheck(change, a)) continue;
      const key = rlsKey(change, d.subscriber);
      const check = checks.get(key);
      if (!check) checks.set(key, { subscriber: d.subscriber, access: a, change, indexes: [d.changeIndex] });
      else if (check.indexes.at(-1) !== d.changeIndex) check.indexes.push(d.changeIndex);
    }
    const visible = new Map<string, Set<number>>();
    await Promise.all([...checks].map(async ([key, check]) => {
      const rows = check.indexes.map((i) => changes[i]!.record!);
      try {
        const seen = await access.visibleRows(check.subscriber, check.change.relation.schema, check.change.relation.table, check.access, rows);
        visible.set(key, new Set([...seen].map((i) => check.indexes[i]!)));
      } catch (error) {
        // Fail closed: a subscriber whose check errors (e.g. no USAGE on the schema) sees nothing.
        console.error(`[realtime] RLS check failed for role ${check.subscriber.role} on ${check.change.relation.schema}.${check.change.relation.table}: ${(error as Error).message}`);
        visible.set(key, new Set());
      }
    }));

    const committedAt = commitTimestamp(transaction.commitTimeMicros);
    const payloads = new Map<string, string>();
    let sent = 0;
    for (const d of deliveries) {
      if (deps.isPaused()) return;
      const change = changes[d.changeIndex]!;
      const a = accessOf(d);
      if (!a || deniedBeforeRls(change, a)) continue;
      if (needsRlsCheck(change, a)) {
        if (!visible.get(rlsKey(change, d.subscriber))?.has(d.changeIndex)) continue;
      }
      const payloadKey = `${d.changeIndex}\u0000${d.subscriber.role}\u0000${d.select?.join("\u0000") ?? "*"}`;
      let data = payloads.get(payloadKey);
      if (data === undefined) {
        data = buildChangeData(change, committedAt, deps.types, a, d.select);
        payloads.set(payloadKey, data);
      }
      d.channel.sendChange(`{"ids":${JSON.stringify(d.ids)},"data":${data}}`);
      if (++sent % DELIVERIES_PER_TURN === 0) await yieldToEventLoop();
    }
  };
}
