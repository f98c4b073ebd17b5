import http from "node:http";
import type { Duplex } from "node:stream";
import { HOST } from "../config.ts";
import { StackError } from "../errors.ts";
import { createAuthRoutes } from "./auth-routes.ts";
import { sendJson } from "./http-util.ts";
import { verifyApiKey } from "./api-key.ts";
import { createRestService } from "./rest/index.ts";
import { createRealtimeService } from "./realtime/index.ts";
import { createFunctionsService } from "./functions/index.ts";
import { createTryPage } from "./try-page.ts";
import type { GatewayDeps, HttpService, UpgradeService } from "./types.ts";

export interface Gateway {
  readonly url: string;
  readonly realtime: UpgradeService & RealtimeControl;
  close(): Promise<void>;
}

/** Fault-injection hooks the tests and the chaos suite use to make Realtime misbehave like the real one can. */
export interface RealtimeControl {
  /** Closes every websocket (clients reconnect on their own). */
  dropConnections(): void;
  /** When true, joins succeed but no change is ever delivered (the "silent stop" failure). */
  setDeliveryPaused(paused: boolean): void;
  /** How long new subscriptions take to go live after the join's answer (widens the window tests probe). */
  setSubscribeDelay(ms: number): void;
}

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, PATCH, PUT, DELETE, OPTIONS",
  "access-control-allow-headers":
    "authorization, x-client-info, apikey, content-type, prefer, accept-profile, content-profile, range, x-retry-count, traceparent, tracestate, baggage, idempotency-key, x-supabase-api-version",
  "access-control-expose-headers": "content-range, content-location, x-request-id",
  "access-control-max-age": "600",
};

function mount(pathname: string, prefix: string): string | undefined {
  if (pathname === prefix) return "/";
  return pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length) : undefined;
}

/** The Supabase-compatible API gateway: one port, the same paths as a real project. */
export async function startGateway(deps: GatewayDeps, port: number): Promise<Gateway> {
  // First: it reads [auth] from config.toml, so a bad setting stops the start before anything else opens.
  const auth: HttpService = await createAuthRoutes(deps);
  const rest: HttpService = await createRestService(deps);
  const functions: HttpService = await createFunctionsService(deps);
  const realtime = await createRealtimeService(deps);
  const tryPage = createTryPage(deps);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", deps.publicUrl);
    const handle = async () => {
      let sub: string | undefined;
      if ((sub = mount(url.pathname, "/functions/v1")) !== undefined) {
        // Functions answer their own CORS preflight, as on a real project.
        for (const [k, v] of Object.entries(CORS_HEADERS)) if (!res.hasHeader(k)) res.setHeader(k, v);
        return functions.handle(req, res, sub, url);
      }
      for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
      if (req.method === "OPTIONS") {
        res.writeHead(204).end();
        return;
      }
      if ((sub = mount(url.pathname, "/rest/v1")) !== undefined) return rest.handle(req, res, sub, url);
      if ((sub = mount(url.pathname, "/auth/v1")) !== undefined) return auth.handle(req, res, sub, url);
      if (url.pathname === "/_stack/health") return sendJson(res, 200, { status: "ok" });
      if ((sub = mount(url.pathname, "/_stack/realtime")) !== undefined) return handleRealtimeControl(req, res, sub);
      // The local stack's "try it" page at / (try-page.ts); not part of Supabase's API.
      if (await tryPage(req, res, url)) return;
      sendJson(res, 404, { message: `no route for ${url.pathname}` });
    };
    handle().catch((error: unknown) => {
      console.error("[gateway] unhandled error", error);
      if (!res.headersSent) sendJson(res, 500, { message: "internal gateway error" });
      else res.destroy();
    });
  });

  /**
   * Fault injection for tests and the chaos suite (not part of Supabase's API): drop every
   * Realtime socket, or make Realtime silently stop delivering. Requires the service_role key.
   */
  async function handleRealtimeControl(req: http.IncomingMessage, res: http.ServerResponse, sub: string): Promise<void> {
    const apiKey = req.headers.apikey;
    if (req.method !== "POST" || (await verifyApiKey(deps.keys, typeof apiKey === "string" ? apiKey : undefined)) !== "service_role") {
      return sendJson(res, 403, { message: "POST with the service_role apikey" });
    }
    if (sub === "/drop") realtime.dropConnections();
    else if (sub === "/pause") realtime.setDeliveryPaused(true);
    else if (sub === "/resume") realtime.setDeliveryPaused(false);
    else if (sub === "/subscribe-delay") {
      const ms = Number(new URL(req.url ?? "/", deps.publicUrl).searchParams.get("ms"));
      if (!Number.isInteger(ms) || ms < 0 || ms > 60_000) return sendJson(res, 400, { message: "pass ?ms=<0–60000>" });
      realtime.setSubscribeDelay(ms);
    } else return sendJson(res, 404, { message: "use /drop, /pause, /resume or /subscribe-delay?ms=" });
    sendJson(res, 200, { status: "ok" });
  }

  server.on("upgrade", (req, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", deps.publicUrl);
    if (url.pathname === "/realtime/v1/websocket") realtime.handleUpgrade(req, socket, head, url);
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new StackError(`port ${port} (API gateway) is already in use`, "stop whatever listens there (another `npm start` or `supabase start`?)")
          : error,
      ));
    server.listen(port, HOST, () => resolve());
  });

  return {
    url: deps.publicUrl,
    realtime,
    async close() {
      realtime.dropConnections();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([rest.close(), functions.close(), realtime.close(), auth.close()]);
    },
  };
}
