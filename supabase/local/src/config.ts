import path from "node:path";
import { DEFAULT_DATA_DIR } from "./paths.ts";

/** Loopback ports of every service; defaults match `supabase start` and `temporal server start-dev`. */
export interface StackPorts {
  readonly api: number;
  readonly db: number;
  readonly temporal: number;
  readonly temporalUi: number;
  readonly temporalHttp: number;
  readonly proxy: number;
  readonly worker: number;
}

export const DEFAULT_PORTS: StackPorts = {
  api: 54321,
  db: 54322,
  temporal: 7233,
  temporalUi: 8233,
  temporalHttp: 7243,
  proxy: 54329,
  worker: 54330,
};

export const HOST = "127.0.0.1";
export const DB_PASSWORD = "postgres";
export const TEMPORAL_NAMESPACE = "default";

export interface StackOptions {
  readonly dataDir: string;
  readonly ports: StackPorts;
  /** Use an existing Postgres instead of running one (SUPABASE_DB_URL). */
  readonly externalDbUrl?: string;
  /** Use an existing Temporal frontend instead of running the dev server (TEMPORAL_ADDRESS). */
  readonly externalTemporalAddress?: string;
  /** Trade durability for speed (fsync off): for throwaway test stacks only. */
  readonly ephemeral?: boolean;
  /** Run the gRPC-web proxy (default true). */
  readonly proxy?: boolean;
  /**
   * Where the proxy listens (TEMPORAL_PROXY_HOST; loopback by default). `supabase functions serve`
   * runs functions in a container, which reaches the host only on an address its bridge reaches:
   * 0.0.0.0, or the bridge's own address.
   */
  readonly proxyBindHost?: string;
  /** Run the Temporal worker with its reconciler (default true; test stacks start their own). */
  readonly worker?: boolean;
  /** Extra environment for every edge function, over supabase/functions/.env (benchmarks raise rate limits this way). */
  readonly functionsEnv?: Readonly<Record<string, string>>;
}

export function defaultStackOptions(env: NodeJS.ProcessEnv = process.env): StackOptions {
  return {
    dataDir: env.LOCAL_STACK_DIR ? path.resolve(env.LOCAL_STACK_DIR) : DEFAULT_DATA_DIR,
    ports: DEFAULT_PORTS,
    ...(env.SUPABASE_DB_URL ? { externalDbUrl: env.SUPABASE_DB_URL } : {}),
    ...(env.TEMPORAL_ADDRESS ? { externalTemporalAddress: env.TEMPORAL_ADDRESS } : {}),
    ...(env.TEMPORAL_PROXY_HOST ? { proxyBindHost: env.TEMPORAL_PROXY_HOST } : {}),
  };
}

export const dbUrl = (port: number, user = "postgres", password = DB_PASSWORD): string =>
  `postgresql://${user}:${password}@${HOST}:${port}/postgres`;
