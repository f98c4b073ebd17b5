import type { RestContext } from "./context.ts";
import { pgrstError } from "./errors.ts";
import type { Preferences, ResponseFormat } from "./negotiate.ts";
import type { ParsedQuery } from "./parse/query.ts";
import { contentRange, responseHeaders, sendBody } from "./respond.ts";
import { runAggregate, singularError } from "./run.ts";
import { buildRead } from "./sql/read.ts";
import { qualified } from "./sql/text.ts";
import { inRequestTransaction } from "./transaction.ts";

/** GET/HEAD on a table or view, in a read-only transaction. */
export async function readTable(ctx: RestContext, table: string, query: ParsedQuery, format: ResponseFormat, prefs: Preferences): Promise<void> {
  const source = qualified(table);
  const statement = buildRead({ from: source, qualifier: source }, query.read, {
    shape: format.singular ? "row" : "rows",
    stripNulls: format.stripNulls,
    count: prefs.count,
  });
  const result = await inRequestTransaction(ctx.pool, ctx.settings, true, async (client) => ({
    commit: true,
    value: await runAggregate(client, statement),
  }));
  if (format.singular && result.rows !== 1) throw singularError(result.rows);
  const { offset } = query.read;
  if (result.total !== undefined && offset > 0 && offset >= result.total && result.rows === 0) {
    throw pgrstError(416, "PGRST103", "Requested range not satisfiable", {
      details: `An offset of ${offset} was requested, but there are only ${result.total} rows.`,
    });
  }
  // 206 when the response is a strict part of a counted whole, as PostgREST does.
  const partial = result.total !== undefined && result.rows < result.total;
  sendBody(ctx.res, partial ? 206 : 200, result.body ?? "null", responseHeaders(format, contentRange(offset, result.rows, result.total), prefs, false));
}

