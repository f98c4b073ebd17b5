import type { IncomingMessage, ServerResponse } from "node:http";
import type pg from "pg";
import type { SchemaCache } from "./schema-cache.ts";
import type { RequestSettings } from "./transaction.ts";

/** Everything a handler needs for one request. */
export interface RestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly pool: pg.Pool;
  readonly schema: SchemaCache;
  readonly settings: RequestSettings;
}
