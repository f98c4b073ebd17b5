import type { RealtimeChannel, SupabaseClient } from "@supabase/supabase-js";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { Backoff } from "./backoff.ts";
import { formatDuration } from "./duration.ts";
import { errorMessage, type ReconcilerLog } from "./log.ts";
import type { RealtimeState, ReconcilerMetrics } from "./metrics.ts";
import { TokenRefresher } from "./token-refresh.ts";

/** The seed plan's channel (a requirement, not a choice). */
export const CHANNEL_NAME = "workflow_events";
export const CANARY_FILTER = `event_type=eq.${EVENT_TYPES.reconcilerCanary}`;
/** Realtime's own limit on the values of an `in` filter. */
export const MAX_FILTER_EVENT_TYPES = 100;

/**
 * One binding for every trigger's events: the seed plan's `event_type=eq.{type}` while there is one
 * trigger, `event_type=in.(a,b,…)` once there are more (Realtime compares `= any(array)`, so dotted
 * names need no quoting). One server-side subscription whatever the number of triggers.
 */
export function triggerEventsFilter(eventTypes: readonly string[]): string {
  if (eventTypes.length === 0 || eventTypes.length > MAX_FILTER_EVENT_TYPES) {
    throw new RangeError(`a Realtime filter takes 1 to ${MAX_FILTER_EVENT_TYPES} event types, not ${eventTypes.length}`);
  }
  for (const type of eventTypes) {
    if (!/^[a-z0-9_.-]+$/i.test(type)) throw new RangeError(`event type ${JSON.stringify(type)} cannot be named in a Realtime filter`);
  }
  return eventTypes.length === 1 ? `event_type=eq.${eventTypes[0]}` : `event_type=in.(${eventTypes.join(",")})`;
}

type Row = Record<string, unknown>;

/** A Realtime `system` message: the server's word on the channel's extensions (postgres_changes) or the channel itself. */
interface SystemMessage {
  readonly status?: string;
  readonly extension?: string;
  readonly message?: unknown;
}

/** realtime-js's own default join timeout. */
const DEFAULT_JOIN_TIMEOUT_MS = 10_000;

export interface RealtimeListenerOptions {
  readonly supabase: SupabaseClient;
  readonly log: ReconcilerLog;
  readonly metrics: ReconcilerMetrics;
  /** The declared triggers' event types: one binding, filtered on them (triggerEventsFilter). */
  readonly eventTypes: readonly string[];
  /** Each trigger event row Realtime delivers. */
  readonly onTriggerEvent: (row: Row) => void;
  /** Each `reconciler.canary` row (a second binding on the same channel); omit to not bind it. */
  readonly onCanary?: (row: Row) => void;
  /** After every SUBSCRIBED (`resubscribed` false only for the first): changes committed while down were never delivered. */
  readonly onSubscribed: (resubscribed: boolean) => void;
  /** Delays between resubscribe attempts; default 250 ms doubling to 30 s, full jitter. */
  readonly backoff?: Backoff;
  /** How long a join may take before TIMED_OUT (realtime-js's default is 10 s). */
  readonly joinTimeoutMs?: number;
}

/**
 * The Realtime fast path: one channel `workflow_events` with INSERT bindings on `domain_events`.
 *
 * Live means the server said so: realtime-js reports SUBSCRIBED on the join's answer, but the server
 * creates the postgres_changes subscription only afterwards and confirms it (or refuses it: a filter
 * the role cannot read, private-only channels, the project's limits) in a `system` message. Only
 * that confirmation counts as subscribed, so the catch-up sweep that follows covers everything
 * committed before the subscription was live. A refusal is a failed subscription: logged once with
 * the server's words, counted, reported (the worker is then not ready), retried with backoff.
 *
 * Health: SUBSCRIBED, CHANNEL_ERROR, TIMED_OUT and CLOSED are all handled. Any state but SUBSCRIBED
 * schedules a resubscribe with exponential backoff and jitter, forever; a resubscribe first removes
 * the old channel and closes the socket (a fresh connection also cures a socket that is open but
 * silent), so channels never stack. realtime-js's own rejoin may win the race after a dropped
 * socket; its SUBSCRIBED cancels the pending resubscribe. Callbacks of a replaced channel are
 * ignored (each channel has a generation). Each transition is logged once.
 */
export class RealtimeListener {
  private generation = 0;
  private channel: RealtimeChannel | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private current: RealtimeState = "stopped";
  private degraded = false;
  private everSubscribed = false;
  private downSince: number | undefined;
  private lastSubscribedAt: Date | undefined;
  /** The server's words when it last refused the subscription; cleared once a subscription is live. */
  private refusal: string | undefined;
  private confirmTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly tokens: TokenRefresher;
  private readonly subscribedWaiters = new Set<() => void>();
  /** Subscribes run one after the other: a removal must finish closing the socket before the next join. */
  private queue: Promise<void> = Promise.resolve();

  private readonly filter: string;

  constructor(private readonly options: RealtimeListenerOptions) {
    this.filter = triggerEventsFilter(options.eventTypes);
    this.backoff = options.backoff ?? new Backoff({ baseMs: 250, capMs: 30_000 });
    this.tokens = new TokenRefresher(options.supabase.realtime, options.log);
  }

  get state(): RealtimeState {
    return this.current;
  }

  status(): { state: RealtimeState; degraded: boolean; refused?: string; lastSubscribedAt?: string; downForMs?: number } {
    return {
      state: this.current,
      degraded: this.degraded,
      ...(this.refusal !== undefined ? { refused: this.refusal } : {}),
      ...(this.lastSubscribedAt ? { lastSubscribedAt: this.lastSubscribedAt.toISOString() } : {}),
      ...(this.downSince !== undefined ? { downForMs: Date.now() - this.downSince } : {}),
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.options.log.info(`subscribing to Realtime`, { channel: CHANNEL_NAME, filter: this.filter });
    void this.subscribe();
  }

  /** Resolves at the next SUBSCRIBED, or false after `timeoutMs`. */
  waitUntilSubscribed(timeoutMs: number): Promise<boolean> {
    if (this.current === "subscribed" || this.current === "degraded") return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.subscribedWaiters.delete(onSubscribed);
        resolve(value);
      };
      const onSubscribed = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.subscribedWaiters.add(onSubscribed);
    });
  }

  /** Marks deliveries as unreliable (a canary missed) until `setDegraded(false)`; the state gauge shows it. */
  setDegraded(degraded: boolean): void {
    if (this.degraded === degraded) return;
    this.degraded = degraded;
    if (this.current === "subscribed" || this.current === "degraded") this.enter(degraded ? "degraded" : "subscribed");
  }

  /** Replaces the channel now, e.g. after a canary missed: the subscription looks fine but delivers nothing. */
  resubscribe(reason: string): void {
    if (this.stopped) return;
    this.options.log.warn(`Realtime resubscribing: ${reason}`, { channel: CHANNEL_NAME });
    this.markDown();
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    void this.subscribe();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.generation += 1;
    clearTimeout(this.retryTimer);
    clearTimeout(this.confirmTimer);
    this.tokens.stop();
    await this.queue; // a replacement in progress sees `stopped` and ends; then there is one channel at most
    const channel = this.channel;
    this.channel = undefined;
    if (channel) await this.options.supabase.removeChannel(channel).catch(() => undefined);
    await this.options.supabase.realtime.disconnect().catch(() => undefined);
    this.enter("stopped");
  }

  private subscribe(): Promise<void> {
    const generation = ++this.generation;
    this.queue = this.queue.then(() => this.replaceChannel(generation)).catch((error: unknown) => {
      this.options.log.error("Realtime subscribe failed", { error: errorMessage(error) });
      if (generation === this.generation) this.onLost("CHANNEL_ERROR", error instanceof Error ? error : undefined);
    });
    return this.queue;
  }

  private async replaceChannel(generation: number): Promise<void> {
    if (this.stopped || generation !== this.generation) return; // superseded while queued
    const { supabase } = this.options;
    const old = this.channel;
    this.channel = undefined;
    if (old) {
      await supabase.removeChannel(old).catch(() => undefined);
      // removeChannel closes the socket when no channel is left, without waiting; a subscribe while it is
      // still closing would be buffered on the dying socket until the join times out. Wait for the close.
      await supabase.realtime.disconnect().catch(() => undefined);
    }
    if (this.stopped || generation !== this.generation) return;
    if (this.current !== "down") this.enter("subscribing");
    try {
      // The freshest token from supabase-js's accessToken callback, so a rejoin never carries a stale one.
      await supabase.realtime.setAuth();
    } catch (error) {
      this.options.log.warn("Realtime token refresh failed; joining with the current one", { error: errorMessage(error) });
    }
    if (this.stopped || generation !== this.generation) return;

    const isCurrent = () => !this.stopped && generation === this.generation;
    let channel = supabase
      .channel(CHANNEL_NAME)
      .on("postgres_changes", { event: "INSERT", schema: "public", table: "domain_events", filter: this.filter }, (payload) => {
        if (!isCurrent()) return;
        this.options.metrics.eventReceived("trigger");
        this.options.onTriggerEvent(payload.new as Row);
      });
    const { onCanary } = this.options;
    if (onCanary) {
      channel = channel.on("postgres_changes", { event: "INSERT", schema: "public", table: "domain_events", filter: CANARY_FILTER }, (payload) => {
        if (!isCurrent()) return;
        this.options.metrics.eventReceived("canary");
        onCanary(payload.new as Row);
      });
    }
    channel = channel.on("system", {}, (payload: SystemMessage) => {
      if (isCurrent()) this.onSystem(payload);
    });
    this.channel = channel;
    channel.subscribe((status, error) => {
      if (!isCurrent()) return;
      if (status === "SUBSCRIBED") this.awaitConfirmation(generation);
      else this.onLost(status, error);
    }, this.options.joinTimeoutMs);
  }

  /** The join was answered; the subscription is live only once the server's system message says so. */
  private awaitConfirmation(generation: number): void {
    clearTimeout(this.confirmTimer);
    const timeoutMs = this.options.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS;
    this.confirmTimer = setTimeout(() => {
      if (this.stopped || generation !== this.generation) return;
      this.onLost("UNCONFIRMED", new Error(`the server answered the join but did not confirm the subscription within ${formatDuration(timeoutMs)}`));
    }, timeoutMs);
  }

  private onSystem(payload: SystemMessage): void {
    if (payload.status === "ok" && payload.extension === "postgres_changes") {
      clearTimeout(this.confirmTimer);
      this.confirmTimer = undefined;
      this.onSubscribed();
    } else if (payload.status === "error") {
      clearTimeout(this.confirmTimer);
      this.confirmTimer = undefined;
      const message = typeof payload.message === "string" && payload.message !== "" ? payload.message.slice(0, 500) : "no reason given";
      this.refusal = message;
      this.options.metrics.realtimeRefused();
      this.onLost("REFUSED", new Error(`the server refused the subscription: ${message}`));
    }
  }

  private onSubscribed(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const resubscribed = this.everSubscribed;
    const attempts = this.backoff.attempts;
    this.everSubscribed = true;
    this.refusal = undefined;
    this.lastSubscribedAt = new Date();
    if (resubscribed) {
      this.options.metrics.realtimeReconnected();
      const downFor = this.downSince !== undefined ? formatDuration(Date.now() - this.downSince) : "0ms";
      this.options.log.info(`✅ Realtime resubscribed after ${downFor} down`, { channel: CHANNEL_NAME, attempts });
    } else {
      // The seed plan's success criterion, word for word.
      this.options.log.info("✅ Subscribed to workflow events via Supabase Realtime", { channel: CHANNEL_NAME, filter: this.filter });
    }
    this.downSince = undefined;
    this.backoff.reset();
    this.enter(this.degraded ? "degraded" : "subscribed");
    this.tokens.watch();
    for (const waiter of [...this.subscribedWaiters]) waiter();
    this.options.onSubscribed(resubscribed);
  }

  private onLost(status: string, error: Error | undefined): void {
    clearTimeout(this.confirmTimer);
    this.confirmTimer = undefined;
    if (this.current !== "down") {
      this.options.log.warn(`Realtime channel ${status}${error ? `: ${errorMessage(error)}` : ""}; resubscribing with backoff`, { channel: CHANNEL_NAME });
    }
    this.markDown();
    if (this.retryTimer) return;
    const delay = this.backoff.next();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.subscribe();
    }, delay);
  }

  private markDown(): void {
    this.downSince ??= Date.now();
    this.enter("down");
  }

  private enter(state: RealtimeState): void {
    this.current = state;
    this.options.metrics.setRealtimeState(state);
  }
}
