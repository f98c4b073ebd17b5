import type pg from "pg";
import { setTimeout as delay } from "node:timers/promises";
import { WebSocket } from "ws";
import type { SigningKeys } from "../../auth/keys.ts";
import { decodeFrame, encodeFrame, encodeWithPayloadJson, replyTo, serverPush, type PhoenixMessage, type Vsn } from "./phoenix.ts";
import { subscriberFromToken } from "./subscriber.ts";
import { parseChangesRequest, resolveSubscription, SubscriptionError } from "./subscription-setup.ts";
import type { Binding, Channel, SubscriptionRegistry } from "./subscriptions.ts";

export interface SessionContext {
  readonly vsn: Vsn;
  /** The apikey the socket connected with; a join without `access_token` runs as it. */
  readonly apiKey: string;
  readonly keys: SigningKeys;
  readonly registry: SubscriptionRegistry;
  readonly pool: pg.Pool;
  readonly publication: string;
  /**
   * How long after the join's ok reply a postgres_changes subscription becomes live (on top of the
   * setup queries). The real server answers the join first and creates the subscription
   * afterwards; realtime-js reports SUBSCRIBED on the answer, and changes committed in between are
   * never delivered. The server's `system` message says when it is live.
   */
  readonly subscribeDelayMs: () => number;
}

interface JoinedChannel extends Channel {
  /** Empty until the subscription is live. */
  bindings: readonly Binding[];
  readonly name: string;
  readonly joinRef: string | null;
  expiryTimer?: NodeJS.Timeout;
}

const TOPIC_PREFIX = "realtime:";
/** setTimeout's ceiling (~24.8 days); tokens living longer (the API keys) are never timed out here. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One Realtime websocket: Phoenix heartbeats, channel joins with postgres_changes, leaves and
 * access-token refreshes. Frames are handled one at a time, in arrival order, so a leave can never
 * overtake the join it follows.
 */
export function attachSession(ws: WebSocket, ctx: SessionContext): void {
  const channels = new Map<string, JoinedChannel>();
  let closed = false;
  let queue = Promise.resolve();

  const send = (message: PhoenixMessage) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(encodeFrame(ctx.vsn, message));
  };

  const forget = (channel: JoinedChannel) => {
    clearTimeout(channel.expiryTimer);
    ctx.registry.remove(channel);
    if (channels.get(channel.topic) === channel) channels.delete(channel.topic);
  };

  /** Realtime's shutdown of a channel whose token is no longer good: a system error, then phx_close. */
  const shutDown = (channel: JoinedChannel, reason: string) => {
    forget(channel);
    send(serverPush(channel.topic, "system", { message: reason, status: "error", extension: "system", channel: channel.name }));
    send({ joinRef: channel.joinRef, ref: channel.joinRef, topic: channel.topic, event: "phx_close", payload: {} });
  };

  const armExpiry = (channel: JoinedChannel, expiresAt: number) => {
    clearTimeout(channel.expiryTimer);
    const delay = expiresAt - Date.now();
    if (delay <= MAX_TIMER_MS) {
      channel.expiryTimer = setTimeout(() => shutDown(channel, "Token has expired"), Math.max(delay, 0));
      channel.expiryTimer.unref();
    }
  };

  async function join(message: PhoenixMessage): Promise<void> {
    if (!message.topic.startsWith(TOPIC_PREFIX)) return send(replyTo(message, "error", { reason: "unmatched topic" }));
    const previous = channels.get(message.topic);
    if (previous) forget(previous); // Phoenix closes the existing channel for a duplicate join

    const payload = (typeof message.payload === "object" && message.payload !== null ? message.payload : {}) as Record<string, unknown>;
    const config = (typeof payload.config === "object" && payload.config !== null ? payload.config : {}) as Record<string, unknown>;
    if (config.private === true) {
      return send(replyTo(message, "error", {
        reason: "private channels (Realtime Authorization) are not supported by the local stack; join with private: false",
      }));
    }
    const auth = await subscriberFromToken(ctx.keys, payload.access_token ?? ctx.apiKey);
    if (!auth.ok) return send(replyTo(message, "error", { reason: auth.reason }));

    const entries: unknown[] = Array.isArray(config.postgres_changes) ? config.postgres_changes : [];
    const options = config.postgres_changes_options as { wait?: unknown } | undefined;
    const wait = options?.wait === true;
    const ids = entries.map(() => ctx.registry.newBindingId());
    /** The bindings, or the reason the server refuses them (the real server's wording where it has one). */
    const setUp = async (): Promise<{ bindings: Binding[] } | { failure: string }> => {
      const bindings: Binding[] = [];
      for (const [i, entry] of entries.entries()) {
        try {
          const request = parseChangesRequest(entry);
          const tables = await resolveSubscription(ctx.pool, ctx.publication, auth.subscriber.role, request);
          bindings.push({ id: ids[i]!, event: request.event, select: request.select, tables });
        } catch (error) {
          if (!(error instanceof SubscriptionError)) console.error("[realtime] subscription setup failed", error);
          return { failure: error instanceof SubscriptionError ? error.message : "internal error while creating the subscription" };
        }
      }
      return { bindings };
    };
    // With `wait`, the server creates the subscription before answering and refuses the join on failure.
    const early = wait ? await setUp() : undefined;
    if (closed) return;
    if (early && "failure" in early) return send(replyTo(message, "error", { reason: early.failure }));

    const name = message.topic.slice(TOPIC_PREFIX.length);
    const channel: JoinedChannel = {
      topic: message.topic,
      name,
      joinRef: message.joinRef,
      subscriber: auth.subscriber,
      bindings: [],
      sendChange: (payloadJson) => {
        if (ws.readyState === WebSocket.OPEN) {
          ws.send(encodeWithPayloadJson(ctx.vsn, null, null, message.topic, "postgres_changes", payloadJson));
        }
      },
    };
    channels.set(message.topic, channel);
    armExpiry(channel, auth.expiresAt);

    const goLive = (outcome: { bindings: Binding[] } | { failure: string }) => {
      if (closed || channels.get(channel.topic) !== channel) return; // left, rejoined or disconnected meanwhile
      if ("bindings" in outcome) {
        channel.bindings = outcome.bindings;
        ctx.registry.add(channel);
      }
      send(serverPush(message.topic, "system", "bindings" in outcome
        ? { extension: "postgres_changes", status: "ok", message: "Subscribed to PostgreSQL", channel: name }
        : { extension: "postgres_changes", status: "error", message: outcome.failure, channel: name }));
    };

    const echoed = entries.map((entry, i) => ({ ...(typeof entry === "object" && entry !== null ? entry : {}), id: ids[i] }));
    send(replyTo(message, "ok", { postgres_changes: echoed }));
    if (entries.length === 0) return;
    if (early) return goLive(early);
    // Not awaited: the socket's next frames (heartbeats, a leave) are handled meanwhile, as on the real server.
    void (async () => {
      const outcome = await setUp();
      const delayMs = ctx.subscribeDelayMs();
      if (delayMs > 0) await delay(delayMs);
      goLive(outcome);
    })();
  }

  async function refreshToken(channel: JoinedChannel, token: unknown): Promise<void> {
    const auth = await subscriberFromToken(ctx.keys, token);
    if (channels.get(channel.topic) !== channel) return;
    if (!auth.ok) return shutDown(channel, auth.reason);
    channel.subscriber = auth.subscriber;
    armExpiry(channel, auth.expiresAt);
  }

  async function handle(message: PhoenixMessage): Promise<void> {
    if (message.topic === "phoenix") {
      if (message.event === "heartbeat") send(replyTo(message, "ok", {}));
      return;
    }
    if (message.event === "phx_join") return join(message);
    const channel = channels.get(message.topic);
    if (!channel) {
      if (message.ref !== null) send(replyTo(message, "error", { reason: "unmatched topic" }));
      return;
    }
    switch (message.event) {
      case "phx_leave":
        forget(channel);
        return send(replyTo(message, "ok", {}));
      case "access_token":
        return refreshToken(channel, (message.payload as { access_token?: unknown } | null)?.access_token);
      default:
        return; // broadcast, presence and anything newer: not served locally, and harmless
    }
  }

  ws.on("message", (data, isBinary) => {
    if (isBinary) return;
    const message = decodeFrame(ctx.vsn, data.toString());
    if (!message) return;
    queue = queue.then(() => handle(message)).catch((error: unknown) => console.error("[realtime] error handling a message", error));
  });
  ws.on("close", () => {
    closed = true;
    for (const channel of [...channels.values()]) forget(channel);
  });
  ws.on("error", () => {}); // a reset connection ends in 'close' anyway
}
