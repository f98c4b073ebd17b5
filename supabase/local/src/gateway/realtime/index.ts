import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { verifyApiKey } from "../api-key.ts";
import type { RealtimeControl } from "../server.ts";
import type { GatewayDeps, UpgradeService } from "../types.ts";
import { createCatalogPool, PUBLICATION } from "./db.ts";
import { createDispatcher } from "./dispatch.ts";
import { parseVsn } from "./phoenix.ts";
import { startReplicationReader, type ReplicationReader } from "./replication.ts";
import { attachSession } from "./session.ts";
import { SubscriptionRegistry } from "./subscriptions.ts";
import { TypeCatalog } from "./type-catalog.ts";

/** Refuses an upgrade with a plain HTTP answer, as Kong/Realtime do before the handshake. */
function refuse(socket: Duplex, status: number, statusText: string, message: string): void {
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Supabase Realtime's `postgres_changes` at /realtime/v1/websocket: Phoenix channels over `ws`,
 * changes read from a temporary pgoutput slot on the `supabase_realtime` publication, filtered,
 * checked against privileges and RLS for each subscriber's role, and delivered in commit order.
 * Like the real service it keeps no replay: a client that is disconnected misses what happened.
 */
/**
 * How long a subscription takes to go live after the join's answer, beyond its setup queries. The
 * real server creates it in a separate step after replying (a process start and a database round
 * trip on the project's connection): never instantaneous, so a client that treats SUBSCRIBED as
 * "live" loses what is committed meanwhile, here as there.
 */
const DEFAULT_SUBSCRIBE_DELAY_MS = 100;

export async function createRealtimeService(deps: GatewayDeps): Promise<UpgradeService & RealtimeControl> {
  const pool = createCatalogPool(deps.adminDbUrl);
  const registry = new SubscriptionRegistry();
  const types = new TypeCatalog(pool);
  let paused = false;
  let subscribeDelayMs = DEFAULT_SUBSCRIBE_DELAY_MS;
  const dispatch = createDispatcher({ pool, registry, types, isPaused: () => paused });

  let reader: ReplicationReader;
  try {
    reader = await startReplicationReader(deps.adminDbUrl, PUBLICATION, {
      onRelation: (relation) => types.ensure(relation.columns.map((c) => c.typeOid)),
      onTransaction: dispatch,
    });
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const sockets = new Set<WebSocket>();

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) {
      socket.on("error", () => {}); // a client vanishing mid-handshake is not a gateway error
      const vsn = parseVsn(url.searchParams.get("vsn"));
      if (!vsn) return refuse(socket, 400, "Bad Request", `unsupported vsn ${url.searchParams.get("vsn")}: use 1.0.0 or 2.0.0`);
      const apiKey = url.searchParams.get("apikey") ?? undefined;
      void verifyApiKey(deps.keys, apiKey).then((role) => {
        if (!role || !apiKey) return refuse(socket, 401, "Unauthorized", "Invalid API key: pass the project's anon or service_role key as ?apikey=");
        wss.handleUpgrade(req, socket, head, (ws) => {
          sockets.add(ws);
          ws.on("close", () => sockets.delete(ws));
          attachSession(ws, { vsn, apiKey, keys: deps.keys, registry, pool, publication: PUBLICATION, subscribeDelayMs: () => subscribeDelayMs });
        });
      });
    },

    dropConnections() {
      // An abrupt drop (no close frame), like a network failure or a Realtime node restarting.
      for (const ws of sockets) ws.terminate();
    },

    setDeliveryPaused(value: boolean) {
      paused = value;
    },

    setSubscribeDelay(ms: number) {
      subscribeDelayMs = ms;
    },

    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await reader.close();
      await pool.end().catch(() => {});
    },
  };
}
