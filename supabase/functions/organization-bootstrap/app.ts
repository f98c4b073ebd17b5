import { bootHandler, type Handler } from "../_shared/boot.ts";
import type { Log } from "../_shared/log.ts";
import { projectClients } from "../_shared/project-clients.ts";
import { loadConfig } from "./config.ts";
import { supabaseEventStore } from "./event-store.ts";
import { createBootstrapHandler } from "./handler.ts";
import { supabaseStatusReader } from "./status.ts";

export type { Handler };

/** organization-bootstrap's handler, built from its environment (503 `misconfigured` when it is not valid). */
export function buildHandler(env: Readonly<Record<string, string | undefined>>, log: Log): Handler {
  return bootHandler(log, () => {
    const config = loadConfig(env);
    const { db, verifyToken, temporal } = projectClients(config, "organization-bootstrap");
    return createBootstrapHandler({ config, verifyToken, store: supabaseEventStore(db), statusReader: supabaseStatusReader(db), temporal, log });
  });
}
