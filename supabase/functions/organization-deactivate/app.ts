import { bootHandler, type Handler } from "../_shared/boot.ts";
import type { Log } from "../_shared/log.ts";
import { projectClients } from "../_shared/project-clients.ts";
import { loadConfig } from "./config.ts";
import { supabaseEventStore } from "./event-store.ts";
import { createDeactivateHandler } from "./handler.ts";

/** organization-deactivate's handler, built from its environment (503 `misconfigured` when it is not valid). */
export function buildHandler(env: Readonly<Record<string, string | undefined>>, log: Log): Handler {
  return bootHandler(log, () => {
    const config = loadConfig(env);
    const { db, verifyToken, temporal } = projectClients(config, "organization-deactivate");
    return createDeactivateHandler({ config, verifyToken, store: supabaseEventStore(db), temporal, log });
  });
}
