import type { ServeInfo } from "./direct-start.ts";
import { ConfigError } from "./function-config.ts";
import { json } from "./http.ts";
import type { Log } from "./log.ts";

export type Handler = (request: Request, info?: ServeInfo) => Promise<Response>;

/**
 * A function's handler, built from its environment. A misconfiguration never crashes the function:
 * it logs one line naming every problem and its fix, and every request gets 503 `misconfigured`
 * without internals.
 */
export function bootHandler(log: Log, build: () => Handler): Handler {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.error(error.message);
    return () => Promise.resolve(json(503, { error: { code: "misconfigured", message: "the service is not configured; the operator has been told in the logs" } }));
  }
}
