import type { ReadQuery } from "../parse/query.ts";
import { aggregate, type BodyShape } from "./aggregate.ts";
import { renderOrder, renderSelectList, renderWhere } from "./expressions.ts";
import { Params, type Statement } from "./text.ts";

/** What a read selects from: a table or view, or a function call in FROM. */
export interface ReadSource {
  /** The FROM clause. */
  readonly from: string;
  /** How columns of that source are qualified (the table name, or the call's alias). */
  readonly qualifier: string;
}

export interface ReadOptions {
  readonly shape: BodyShape;
  readonly stripNulls: boolean;
  readonly count: boolean;
}

/** GET on a table or view (and the row-returning part of an RPC): one statement, one round trip. */
export function buildRead(source: ReadSource, query: ReadQuery, options: ReadOptions, params = new Params()): Statement {
  const where = renderWhere(source.qualifier, query.filters, params);
  const limit = query.limit !== undefined ? ` LIMIT ${params.add(query.limit)}` : "";
  const offset = query.offset > 0 ? ` OFFSET ${params.add(query.offset)}` : "";
  const inner =
    `SELECT ${renderSelectList(source.qualifier, query.select)} FROM ${source.from}` +
    `${where}${renderOrder(source.qualifier, query.order)}${limit}${offset}`;
  const text = aggregate(`pgrst_source AS (${inner})`, {
    shape: options.shape,
    stripNulls: options.stripNulls,
    ...(options.count ? { totalSql: `(SELECT pg_catalog.count(*) FROM ${source.from}${where})` } : {}),
  });
  return { text, values: params.values };
}
