import type { GatewayDeps, HttpService } from "../types.ts";
import { sendJson } from "../http-util.ts";

/** PostgREST subset (to be implemented). */
export async function createRestService(_deps: GatewayDeps): Promise<HttpService> {
  return {
    handle: async (_req, res) => sendJson(res, 501, { message: "not implemented" }),
    close: async () => {},
  };
}
