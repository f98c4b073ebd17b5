import { randomUUID } from "node:crypto";
import type { SupabaseClient } from "@supabase/supabase-js";
import { emitArgs, EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { formatDuration } from "./duration.ts";
import { errorMessage, type ReconcilerLog } from "./log.ts";
import type { ReconcilerMetrics } from "./metrics.ts";

export interface CanaryOptions {
  readonly supabase: SupabaseClient;
  readonly log: ReconcilerLog;
  readonly metrics: ReconcilerMetrics;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Only sends while this is true: a canary cannot come back over a channel that is known to be down. */
  readonly isSubscribed: () => boolean;
  /** A canary did not come back in time: Realtime looks subscribed but delivers nothing. */
  readonly onMiss: () => void;
  /** A canary came back after misses: deliveries work again. */
  readonly onRecovered: () => void;
}

/**
 * Realtime's known failure is silence: the channel says SUBSCRIBED and nothing arrives
 * (supabase/realtime#570). Every interval this writes a `reconciler.canary` event on its own
 * `reconciler` stream (one stream per process, so replicas never wait on each other's stream lock) and
 * expects it back on the channel's second binding within the timeout. Canaries of other replicas
 * arrive too and are ignored (matched by event id). Each one is a row in the append-only store:
 * 5,760 a day per replica at the default 15 s, which is why production leaves it off unless asked.
 */
export class Canary {
  private readonly streamId = randomUUID();
  private readonly sent = new Map<string, { sentAt: number; timer: NodeJS.Timeout }>();
  /** Deliveries that beat the RPC's response (the id is only known once emit_domain_event returns). */
  private readonly early = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private missing = false;
  private writeFailing = false;
  private lastRoundtripMs: number | undefined;
  private misses = 0;

  constructor(private readonly options: CanaryOptions) {}

  status(): { enabled: true; lastRoundtripMs?: number; misses: number; missing: boolean } {
    return { enabled: true, ...(this.lastRoundtripMs !== undefined ? { lastRoundtripMs: this.lastRoundtripMs } : {}), misses: this.misses, missing: this.missing };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const { timer } of this.sent.values()) clearTimeout(timer);
    this.sent.clear();
    this.early.clear();
  }

  /** Every `reconciler.canary` row Realtime delivers. */
  received(row: Record<string, unknown>): void {
    const id = typeof row["id"] === "string" ? row["id"] : undefined;
    if (!id || this.stopped) return;
    const pending = this.sent.get(id);
    if (pending) this.returned(id, pending.sentAt, Date.now());
    else if (row["stream_id"] === this.streamId) this.early.set(id, Date.now());
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.send().finally(() => {
        if (!this.stopped) this.schedule();
      });
    }, this.options.intervalMs);
  }

  private async send(): Promise<void> {
    if (this.stopped || !this.options.isSubscribed()) return;
    const sentAt = Date.now();
    for (const [id, at] of this.early) if (sentAt - at > this.options.intervalMs) this.early.delete(id);
    const { data: id, error } = await this.options.supabase.rpc(
      "emit_domain_event",
      emitArgs(this.streamId, EVENT_TYPES.reconcilerCanary, { sentAt: new Date(sentAt).toISOString() }, { source: "reconciler" }),
    );
    if (error || typeof id !== "string") {
      // Not a Realtime miss: the event store is unreachable (the sweep will say so too).
      if (!this.writeFailing) this.options.log.warn("canary not written", { error: error?.message ?? "no event id" });
      this.writeFailing = true;
      return;
    }
    this.writeFailing = false;
    if (this.stopped) return;
    const arrived = this.early.get(id);
    if (arrived !== undefined) {
      this.early.delete(id);
      this.returned(id, sentAt, arrived);
      return;
    }
    const timer = setTimeout(() => this.missed(id), Math.max(0, this.options.timeoutMs - (Date.now() - sentAt)));
    this.sent.set(id, { sentAt, timer });
  }

  private returned(id: string, sentAt: number, at: number): void {
    const pending = this.sent.get(id);
    if (pending) clearTimeout(pending.timer);
    this.sent.delete(id);
    this.lastRoundtripMs = at - sentAt;
    this.options.metrics.canaryReturned(this.lastRoundtripMs / 1000);
    if (this.missing) {
      this.missing = false;
      this.options.log.info("canary received again: Realtime delivers", { roundtripMs: this.lastRoundtripMs });
      this.options.onRecovered();
    }
  }

  private missed(id: string): void {
    this.sent.delete(id);
    if (this.stopped) return;
    this.misses += 1;
    this.options.metrics.canaryMissed();
    this.options.log.warn(`canary not received over Realtime within ${formatDuration(this.options.timeoutMs)}: deliveries look stopped; resubscribing and sweeping`, {
      eventId: id,
    });
    this.missing = true;
    try {
      this.options.onMiss();
    } catch (error) {
      this.options.log.error("canary miss handler failed", { error: errorMessage(error) });
    }
  }
}
