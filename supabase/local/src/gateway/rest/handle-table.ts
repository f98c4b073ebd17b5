import type { RestContext } from "./context.ts";
import { pgrstError } from "./errors.ts";
import { checkProfile, negotiate, parsePrefer } from "./negotiate.ts";
import { parseQuery } from "./parse/query.ts";
import { readTable } from "./table-read.ts";
import { insertRows, updateOrDeleteRows } from "./table-write.ts";

/** /rest/v1/<table>: GET/HEAD read, POST inserts (or upserts), PATCH updates, DELETE deletes. */
export async function handleTable(ctx: RestContext, table: string): Promise<void> {
  const method = ctx.req.method ?? "GET";
  checkProfile(ctx.req.headers, method === "GET" || method === "HEAD");
  const format = negotiate(ctx.req.headers);
  const prefs = parsePrefer(ctx.req.headers);
  const query = parseQuery(ctx.url.searchParams);
  switch (method) {
    case "GET":
    case "HEAD":
      return readTable(ctx, table, query, format, prefs);
    case "POST":
      return insertRows(ctx, table, query, format, prefs);
    case "PATCH":
    case "DELETE":
      return updateOrDeleteRows(ctx, table, query, format, prefs);
    default:
      throw pgrstError(405, "PGRST117", `Unsupported HTTP method: ${method}`);
  }
}
