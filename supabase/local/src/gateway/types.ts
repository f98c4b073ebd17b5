import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { SigningKeys } from "../auth/keys.ts";

/** What every gateway service needs from the stack. */
export interface GatewayDeps {
  readonly keys: SigningKeys;
  /** Pooled API connections: logs in as `authenticator` and switches role per request, like PostgREST. */
  readonly apiDbUrl: string;
  /** Superuser connection: schema introspection and the logical replication stream. */
  readonly adminDbUrl: string;
  /** Public base URL of the gateway, e.g. http://127.0.0.1:54321 */
  readonly publicUrl: string;
  readonly dataDir: string;
  /** Environment injected into edge functions (SUPABASE_URL, keys, DB URL, …). */
  readonly functionsEnv: Readonly<Record<string, string>>;
}

/** Handles a request under its mount point; `subpath` is the path after the mount (e.g. `/rpc/fn`). */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse, subpath: string, url: URL) => Promise<void>;

export interface HttpService {
  readonly handle: HttpHandler;
  close(): Promise<void>;
}

export interface UpgradeService {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void;
  close(): Promise<void>;
}
