import fs from "node:fs";
import path from "node:path";
import { HOST, TEMPORAL_NAMESPACE } from "../config.ts";
import { StackError } from "../errors.ts";
import { canConnect, isPortFree } from "../net.ts";
import { startService, waitUntilReady, type ServiceProcess } from "../child-process.ts";
import type { Progress } from "../log.ts";
import { SEARCH_ATTRIBUTES } from "@org-bootstrap/shared/stack-contract.ts";
import { findTemporalCli } from "./cli.ts";

export interface TemporalPorts {
  readonly grpc: number;
  readonly ui: number;
  readonly http: number;
}

export interface RunningTemporal {
  readonly address: string;
  readonly uiUrl: string;
  readonly process: ServiceProcess;
  stop(): Promise<void>;
}

/** `temporal server start-dev` arguments registering the workflows' search attributes (SEARCH_ATTRIBUTES). */
export function searchAttributeArgs(): string[] {
  return Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ["--search-attribute", `${name}=${type}`]);
}

/** Runs the real `temporal server start-dev`, persisting to a SQLite file under the data dir. */
export async function startTemporalDevServer(options: {
  dataDir: string;
  ports: TemporalPorts;
  progress: Progress;
  ephemeral?: boolean;
}): Promise<RunningTemporal> {
  const cli = findTemporalCli(options.progress);
  for (const [what, port] of [["Temporal gRPC", options.ports.grpc], ["Temporal Web UI", options.ports.ui], ["Temporal HTTP API", options.ports.http]] as const) {
    if (!(await isPortFree(port))) {
      throw new StackError(
        `port ${port} (${what}) is already in use`,
        "stop the other Temporal server, or set TEMPORAL_ADDRESS to use it instead",
      );
    }
  }
  const dir = path.join(options.dataDir, "temporal");
  fs.mkdirSync(dir, { recursive: true });
  const args = [
    "server", "start-dev",
    "--ip", HOST,
    "--port", String(options.ports.grpc),
    "--ui-port", String(options.ports.ui),
    "--http-port", String(options.ports.http),
    "--db-filename", path.join(dir, "temporal.db"),
    "--namespace", TEMPORAL_NAMESPACE,
    "--ui-disable-news-fetch",
    "--log-level", "warn",
    // WAL more than doubles the dev server's start throughput (measured ~70 → ~170 starts/s on 2 cores);
    // synchronous=normal keeps history across process crashes, off is for throwaway test stacks.
    "--sqlite-pragma", "journal_mode=wal",
    "--sqlite-pragma", `synchronous=${options.ephemeral ? "off" : "normal"}`,
    ...searchAttributeArgs(),
  ];
  const processHandle = startService("temporal", cli, args, { logDir: path.join(options.dataDir, "logs") });
  await waitUntilReady(
    processHandle,
    "Temporal",
    async () => (await canConnect(options.ports.grpc)) && (await canConnect(options.ports.ui)),
    { intervalMs: 200 },
  );
  return {
    address: `${HOST}:${options.ports.grpc}`,
    uiUrl: `http://${HOST}:${options.ports.ui}`,
    process: processHandle,
    stop: () => processHandle.stop(15_000),
  };
}
