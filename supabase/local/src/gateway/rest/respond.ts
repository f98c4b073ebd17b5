import type { ServerResponse } from "node:http";
import type { RestError } from "./errors.ts";
import { appliedPreferences, type Preferences, type ResponseFormat } from "./negotiate.ts";

export const JSON_TYPE = "application/json; charset=utf-8";
export const OBJECT_TYPE = "application/vnd.pgrst.object+json; charset=utf-8";

export function sendRestError(res: ServerResponse, error: RestError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(error.status, { "content-type": JSON_TYPE, ...error.headers });
  res.end(JSON.stringify(error.body));
}

/** Sends an already-serialised JSON body (built by Postgres); `undefined` sends no body. */
export function sendBody(res: ServerResponse, status: number, body: string | undefined, headers: Record<string, string>): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(body)) });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

/** PostgREST's Content-Range: `first-last/total`, `*` for an unknown total, `*\/total` when empty. */
export function contentRange(offset: number, rows: number, total: number | undefined): string {
  const range = rows > 0 ? `${offset}-${offset + rows - 1}` : "*";
  return `${range}/${total ?? "*"}`;
}

/** Response headers; `format` is omitted for a response without a body. */
export function responseHeaders(format: ResponseFormat | undefined, range: string, prefs: Preferences, mutation: boolean): Record<string, string> {
  const applied = appliedPreferences(prefs, mutation);
  return {
    ...(format ? { "content-type": format.singular ? OBJECT_TYPE : JSON_TYPE } : {}),
    "content-range": range,
    ...(applied ? { "preference-applied": applied } : {}),
  };
}

