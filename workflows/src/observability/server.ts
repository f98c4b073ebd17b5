import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** What /readyz answers: 200 when `ready`, else 503; `body` is the JSON either way. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface ObservabilityServerOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /**
   * False when the port is the default rather than configured: if it is taken (a second local worker),
   * the server takes a free port and says so instead of stopping the worker. A configured port that is
   * taken stops it, because the probes of its deployment point there.
   */
  readonly portExplicit: boolean;
  readonly registry: Registry;
  readonly readiness: () => Promise<ReadinessReport>;
  readonly warn?: (message: string) => void;
}

export interface ObservabilityServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Thrown when the configured WORKER_HTTP_PORT is taken. */
export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string, head: boolean): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

const json = (res: http.ServerResponse, status: number, body: unknown, head: boolean) =>
  send(res, status, "application/json; charset=utf-8", `${JSON.stringify(body)}\n`, head);

function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/**
 * The worker's own HTTP server (node:http, nothing else on it):
 *   GET /healthz  liveness: 200 while the process runs its event loop
 *   GET /readyz   readiness: 200 when Temporal answers and the worker polls (JSON says what and why)
 *   GET /metrics  Prometheus text format (prom-client)
 */
export async function startObservabilityServer(options: ObservabilityServerOptions): Promise<ObservabilityServer> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://worker").pathname;
    const head = req.method === "HEAD";
    if (req.method !== "GET" && !head) {
      res.setHeader("allow", "GET, HEAD");
      return json(res, 405, { error: "use GET" }, false);
    }
    const answer = async () => {
      if (path === "/healthz") return json(res, 200, { status: "ok" }, head);
      if (path === "/readyz") {
        const report = await options.readiness();
        return json(res, report.ready ? 200 : 503, report.body, head);
      }
      if (path === "/metrics") return send(res, 200, options.registry.contentType, await options.registry.metrics(), head);
      return json(res, 404, { error: `no route for ${path}: use /healthz, /readyz or /metrics` }, head);
    };
    answer().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: error instanceof Error ? error.message : String(error) }, head);
      else res.destroy();
    });
  });
  // Probes and scrapes are short requests; a stuck client must not keep shutdown waiting.
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 10_000;

  try {
    await listen(server, options.host, options.port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    if (options.portExplicit) {
      throw new PortInUseError(`WORKER_HTTP_PORT ${options.port} on ${options.host} is already in use`, { cause: error });
    }
    await listen(server, options.host, 0);
    options.warn?.(`port ${options.port} is taken (another worker?): serving /healthz /readyz /metrics on port ${(server.address() as AddressInfo).port} instead`);
  }
  const { port } = server.address() as AddressInfo;
  const host = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
