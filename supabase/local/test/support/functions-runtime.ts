import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { SigningKeys } from "../../src/auth/keys.ts";
import { createFunctionsService, type FunctionsOptions } from "../../src/gateway/functions/index.ts";
import type { HttpService } from "../../src/gateway/types.ts";
import { stackEnv } from "./env.ts";

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "functions-fixtures");
const env = stackEnv();
/** What the fixtures get injected: the Supabase variables, as the CLI injects them. */
export const FUNCTIONS_ENV = {
  SUPABASE_URL: env.supabaseUrl,
  SUPABASE_ANON_KEY: env.anonKey,
  SUPABASE_SERVICE_ROLE_KEY: env.serviceRoleKey,
  SUPABASE_DB_URL: env.dbUrl,
};

export interface Runtime {
  readonly url: string;
  readonly functionsUrl: string;
  readonly dataDir: string;
  readonly notices: string[];
  readonly service: HttpService;
  close(): Promise<void>;
}

/** The functions service over the fixture functions, on its own port and data dir, under /functions/v1 like the gateway mounts it. */
export async function startRuntime(keys: SigningKeys, options: FunctionsOptions = {}): Promise<Runtime> {
  const dataDir = fs.mkdtempSync(path.join(env.dataDir, "functions-runtime-"));
  const notices: string[] = [];
  const server = http.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const service = await createFunctionsService(
    { keys, apiDbUrl: env.dbUrl, adminDbUrl: env.dbUrl, publicUrl: url, dataDir, functionsEnv: FUNCTIONS_ENV },
    { functionsDir: FIXTURES, configFile: path.join(FIXTURES, "config.toml"), log: (line) => notices.push(line), ...options },
  );
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const parsed = new URL(req.url ?? "/", url);
    service.handle(req, res, parsed.pathname.slice("/functions/v1".length), parsed).catch((error: unknown) => {
      notices.push(`unhandled: ${String(error)}`);
      res.destroy();
    });
  });
  return {
    url,
    functionsUrl: `${url}/functions/v1`,
    dataDir,
    notices,
    service,
    async close() {
      server.closeAllConnections();
      server.close();
      await service.close();
    },
  };
}

