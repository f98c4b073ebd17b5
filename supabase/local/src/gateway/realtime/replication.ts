import crypto from "node:crypto";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type pg from "pg";
import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from "pg-logical-replication";
import { StackError } from "../../errors.ts";
import { APPLICATION_NAME, TEXT_OUTPUT_OPTIONS } from "./db.ts";

/** A row as pgoutput prints it: text per column, null for SQL NULL, undefined when not sent (unchanged TOAST, non-key column of a key-only tuple). */
export type RawRow = Readonly<Record<string, string | null | undefined>>;

export interface Relation {
  /** pg_class oid (unsigned). */
  readonly relid: number;
  readonly schema: string;
  readonly table: string;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly typeOid: number }>;
}

export interface RowChange {
  readonly type: "INSERT" | "UPDATE" | "DELETE";
  readonly relation: Relation;
  /** The new row (INSERT, UPDATE). */
  readonly record: RawRow | null;
  /** The old row: every column with REPLICA IDENTITY FULL, else the key columns (DELETE; UPDATE only when the key changed). */
  readonly oldRecord: RawRow | null;
}

export interface CommittedTransaction {
  /** Commit time, microseconds since the Unix epoch. */
  readonly commitTimeMicros: bigint;
  readonly changes: readonly RowChange[];
}

export interface ReplicationHandlers {
  /** Called before any change of a relation whose shape the stream (re)announces. */
  onRelation(relation: Relation): Promise<void>;
  /** Called once per committed transaction, in commit order; the next waits for it. */
  onTransaction(transaction: CommittedTransaction): Promise<void>;
}

export interface ReplicationReader {
  close(): Promise<void>;
}

/**
 * pgoutput with two changes: values stay the text Postgres printed (the library would run pg's
 * global type parsers, turning timestamptz into a Date and dropping microseconds), and the slot is
 * created TEMPORARY on the replication connection itself, so it lives exactly as long as the
 * session: nothing is replayed from before it existed, and it disappears when we disconnect.
 */
class TemporarySlotPgoutput extends PgoutputPlugin {
  constructor(publication: string) {
    super({ protoVersion: 1, publicationNames: [publication] });
  }

  override parse(buffer: Buffer): Pgoutput.Message {
    const message = super.parse(buffer);
    if (message.tag === "relation") for (const column of message.columns) column.parser = (raw: unknown) => raw;
    return message;
  }

  override async start(client: pg.Client, slotName: string): Promise<unknown> {
    await client.query(`CREATE_REPLICATION_SLOT ${slotName} TEMPORARY LOGICAL pgoutput NOEXPORT_SNAPSHOT`);
    return super.start(client, slotName, "0/0");
  }
}

/** One Relation per relation message (the parser hands every change the object it cached). */
const relations = new WeakMap<Pgoutput.MessageRelation, Relation>();
function toRelation(message: Pgoutput.MessageRelation): Relation {
  let relation = relations.get(message);
  if (!relation) {
    relation = {
      relid: message.relationOid >>> 0,
      schema: message.schema,
      table: message.name,
      columns: message.columns.map((c) => ({ name: c.name, typeOid: c.typeOid >>> 0 })),
    };
    relations.set(message, relation);
  }
  return relation;
}

/**
 * The library drains its queue in one chain of microtasks, which never lets timers or sockets run;
 * yielding every so many messages keeps a 10,000-row transaction from stalling the gateway.
 */
const MESSAGES_PER_TURN = 500;

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;
/** pg_replication_slots names: lower-case letters, digits and underscores. */
const newSlotName = () => `supabase_local_realtime_${process.pid}_${crypto.randomBytes(4).toString("hex")}`;

/**
 * The LSN one byte before `lsn` ("X/Y" in hex). pg-logical-replication's acknowledge() reports
 * `lsn + 1` as written and flushed; a walsender shutting down waits until the flushed position
 * equals what it sent, exactly, so an acknowledgement one past it kept a clean Postgres shutdown
 * waiting for ever. Acknowledging `lsnBefore(x)` reports exactly `x`.
 */
export function lsnBefore(lsn: string): string {
  const [high, low] = lsn.split("/");
  const value = (BigInt(`0x${high ?? "0"}`) << 32n) | BigInt(`0x${low ?? "0"}`);
  const previous = value > 0n ? value - 1n : 0n;
  return `${(previous >> 32n).toString(16).toUpperCase()}/${(previous & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * Streams committed transactions of `publication` from Postgres logical decoding. Resolves once the
 * first slot exists and streams (so changes committed after that are never missed while connected);
 * rejects with a StackError if that first attempt fails. Afterwards a lost connection (Postgres
 * restarting) is retried with backoff on a fresh slot: what was committed while disconnected is not
 * replayed, exactly like real Realtime.
 */
export function startReplicationReader(
  dbUrl: string,
  publication: string,
  handlers: ReplicationHandlers,
): Promise<ReplicationReader> {
  let closed = false;
  let current: LogicalReplicationService | undefined;
  let wakeFromBackoff: (() => void) | undefined;

  async function streamOnce(onStarted: () => void): Promise<void> {
    const service = new LogicalReplicationService(
      { connectionString: dbUrl, options: TEXT_OUTPUT_OPTIONS, application_name: APPLICATION_NAME },
      // Acknowledged by hand after each commit is delivered and on every keepalive (Postgres sends one
      // whenever our flushed position lags what it sent), so the slot never holds WAL back. The
      // library's own timer is off: it acknowledges one byte past the last message (see lsnBefore).
      // Flow control pauses the socket while a transaction is being delivered, so a huge one cannot
      // pile up in memory.
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
    );
    current = service;
    let open: { commitTimeMicros: bigint; changes: RowChange[] } | undefined;
    let received = 0;
    service.on("data", async (_lsn: string, message: Pgoutput.Message) => {
      if (++received % MESSAGES_PER_TURN === 0) await yieldToEventLoop();
      try {
        await handle(message);
      } catch (error) {
        console.error(`[realtime] failed to process a ${message.tag} message: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    const handle = async (message: Pgoutput.Message): Promise<void> => {
      switch (message.tag) {
        case "begin":
          open = { commitTimeMicros: message.commitTime as bigint, changes: [] };
          return;
        case "relation":
          return handlers.onRelation(toRelation(message));
        case "insert":
          open?.changes.push({ type: "INSERT", relation: toRelation(message.relation), record: message.new, oldRecord: null });
          return;
        case "update":
          open?.changes.push({
            type: "UPDATE",
            relation: toRelation(message.relation),
            record: message.new,
            oldRecord: message.old ?? message.key,
          });
          return;
        case "delete":
          open?.changes.push({ type: "DELETE", relation: toRelation(message.relation), record: null, oldRecord: message.old ?? message.key });
          return;
        case "commit": {
          const done = open;
          open = undefined;
          if (done && done.changes.length > 0) await handlers.onTransaction(done);
          if (message.commitEndLsn) await service.acknowledge(lsnBefore(message.commitEndLsn));
          return;
        }
        default:
          return; // truncate, type, origin, logical messages: Realtime delivers none of them
      }
    };
    service.on("heartbeat", (lsn: string) => {
      void service.acknowledge(lsnBefore(lsn));
    });
    // The stream's end is reported by subscribe() settling; this listener only keeps EventEmitter2
    // from throwing on an 'error' nobody listens to.
    service.on("error", () => {});
    service.on("start", onStarted);
    try {
      await service.subscribe(new TemporarySlotPgoutput(publication), newSlotName());
    } finally {
      await service.destroy().catch(() => {});
      if (current === service) current = undefined;
    }
  }

  return new Promise<ReplicationReader>((resolve, reject) => {
    let everStarted = false;
    const reader: ReplicationReader = {
      async close() {
        closed = true;
        wakeFromBackoff?.();
        await current?.stop();
      },
    };

    void (async () => {
      let failures = 0;
      while (!closed) {
        let started = false;
        try {
          await streamOnce(() => {
            started = true;
            if (everStarted) console.error("[realtime] replication stream re-established on a new slot");
            everStarted = true;
            failures = 0;
            resolve(reader);
          });
          if (closed) return;
          throw new Error("the replication stream ended");
        } catch (error) {
          if (closed) return;
          const message = error instanceof Error ? error.message : String(error);
          if (!everStarted) {
            closed = true;
            reject(new StackError(
              `Realtime could not start logical replication: ${message}`,
              "the database needs wal_level=logical, a free replication slot and a superuser (or REPLICATION) login",
              { cause: error },
            ));
            return;
          }
          failures = started ? 1 : failures + 1;
          const delay = Math.min(RECONNECT_MIN_MS * 2 ** (failures - 1), RECONNECT_MAX_MS);
          console.error(`[realtime] replication connection lost (${message}); reconnecting in ${delay} ms`);
          await new Promise<void>((wake) => {
            const timer = setTimeout(wake, delay);
            wakeFromBackoff = () => {
              clearTimeout(timer);
              wake();
            };
          });
          wakeFromBackoff = undefined;
        }
      }
    })();
  });
}
