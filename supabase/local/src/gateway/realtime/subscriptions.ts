import type { JWTPayload } from "jose";
import type { ResolvedCondition } from "./filter.ts";

export type ChangeEvent = "INSERT" | "UPDATE" | "DELETE" | "*";

/** Who a channel receives changes as: the role and claims of its access token. */
export interface Subscriber {
  readonly role: string;
  readonly claims: JWTPayload;
}

/** One `postgres_changes` entry of a join, bound to the published tables it matched. */
export interface Binding {
  /** The integer id the join reply announces; change messages name it in `ids`. */
  readonly id: number;
  readonly event: ChangeEvent;
  /** Columns to send (plus the primary key), or undefined for all. */
  readonly select: readonly string[] | undefined;
  /** Per table oid: the filter's conditions resolved against that table's column types. */
  readonly tables: ReadonlyMap<number, readonly ResolvedCondition[]>;
}

/** A joined channel on one socket. */
export interface Channel {
  readonly topic: string;
  readonly bindings: readonly Binding[];
  /** Replaced when the client sends a fresh `access_token`. */
  subscriber: Subscriber;
  /** Sends `postgres_changes` for this channel; the payload is already serialized. */
  sendChange(payloadJson: string): void;
}

/** Every channel with postgres_changes bindings, indexed by table oid for the replication fan-out. */
export class SubscriptionRegistry {
  private readonly byTable = new Map<number, Set<Channel>>();
  private nextBindingId = 1;

  /** Ids are unique per process, so two bindings can never be confused by a client. */
  newBindingId(): number {
    return this.nextBindingId++;
  }

  add(channel: Channel): void {
    for (const binding of channel.bindings) {
      for (const relid of binding.tables.keys()) {
        let set = this.byTable.get(relid);
        if (!set) this.byTable.set(relid, (set = new Set()));
        set.add(channel);
      }
    }
  }

  remove(channel: Channel): void {
    for (const binding of channel.bindings) {
      for (const relid of binding.tables.keys()) {
        const set = this.byTable.get(relid);
        set?.delete(channel);
        if (set?.size === 0) this.byTable.delete(relid);
      }
    }
  }

  channelsFor(relid: number): ReadonlySet<Channel> | undefined {
    return this.byTable.get(relid);
  }
}
