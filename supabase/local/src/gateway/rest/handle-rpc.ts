import { isPlainObject, readJsonBody } from "./body.ts";
import type { RestContext } from "./context.ts";
import { isDatabaseError, pgrstError, RestError } from "./errors.ts";
import { checkContentType, checkProfile, negotiate, type ResponseFormat } from "./negotiate.ts";
import { parseQuery, type ParsedQuery } from "./parse/query.ts";
import { chooseFunction, type RpcCall } from "./rpc-resolve.ts";
import { JSON_TYPE, OBJECT_TYPE, contentRange, sendBody } from "./respond.ts";
import { runAggregate, singularError, type Aggregated } from "./run.ts";
import type { FunctionDef } from "./schema-cache.ts";
import type { BodyShape } from "./sql/aggregate.ts";
import { buildRpc } from "./sql/rpc.ts";
import { inRequestTransaction } from "./transaction.ts";

interface RpcRequest {
  readonly query: ParsedQuery;
  /** Undefined when a POST body is not a JSON object. */
  readonly args: Readonly<Record<string, unknown>> | undefined;
  readonly body: unknown;
}

/**
 * /rest/v1/rpc/<fn>: POST with a JSON object of named arguments (read-write), or GET/HEAD with
 * arguments in the query string (read-only, so a volatile function fails with 25006 → 405).
 */
export async function handleRpc(ctx: RestContext, name: string): Promise<void> {
  const method = ctx.req.method ?? "GET";
  if (method !== "GET" && method !== "HEAD" && method !== "POST") {
    throw pgrstError(405, "PGRST101", "Only GET, HEAD and POST are allowed for functions");
  }
  const reading = method !== "POST";
  checkProfile(ctx.req.headers, reading);
  const format = negotiate(ctx.req.headers);
  const request = reading ? undefined : await readPostArgs(ctx);

  let candidates = await ctx.schema.functionsNamed(name);
  let fresh = false;
  // A miss may be a function created after it was cached: look again once before answering 404.
  let call = choose(ctx, name, candidates, request);
  if (call instanceof RestError) {
    candidates = await ctx.schema.functionsNamed(name, true);
    fresh = true;
    call = choose(ctx, name, candidates, request);
    if (call instanceof RestError) throw call;
  }

  let result: Aggregated;
  try {
    result = await execute(ctx, call.call, call.query, format, reading);
  } catch (error) {
    // 42883 from a cached signature: the function was dropped, or re-created with other argument
    // names or types, since it was cached. The transaction rolled back whatever ran, so reload
    // and try once more, but only if the catalog really changed.
    if (fresh || !isDatabaseError(error) || error.code !== "42883") throw error;
    const reloaded = await ctx.schema.functionsNamed(name, true);
    if (JSON.stringify(reloaded) === JSON.stringify(candidates)) throw error;
    const retry = choose(ctx, name, reloaded, request);
    if (retry instanceof RestError) throw retry;
    call = retry;
    result = await execute(ctx, call.call, call.query, format, reading);
  }
  respond(ctx, call.call.fn, format, result, call.query.read.offset);
}

async function readPostArgs(ctx: RestContext): Promise<RpcRequest> {
  checkContentType(ctx.req.headers);
  const body = await readJsonBody(ctx.req, {});
  return { query: parseQuery(ctx.url.searchParams), args: isPlainObject(body) ? body : undefined, body };
}

/** For GET, which query keys are arguments depends on the candidates' argument names. */
function choose(
  ctx: RestContext,
  name: string,
  candidates: readonly FunctionDef[],
  posted: RpcRequest | undefined,
): { call: RpcCall; query: ParsedQuery } | RestError {
  let request = posted;
  if (!request) {
    const names = new Set(candidates.flatMap((fn) => fn.args.map((arg) => arg.name)));
    const query = parseQuery(ctx.url.searchParams, (key) => names.has(key));
    request = { query, args: query.args, body: query.args };
  }
  const call = chooseFunction(name, candidates, request.args, request.body);
  return call instanceof RestError ? call : { call, query: request.query };
}

function shapeOf(fn: FunctionDef, format: ResponseFormat): BodyShape {
  if (fn.returns === "composite") return fn.returnsSet && !format.singular ? "rows" : "row";
  return fn.returnsSet && !format.singular ? "scalars" : "scalar";
}

async function execute(ctx: RestContext, call: RpcCall, query: ParsedQuery, format: ResponseFormat, readOnly: boolean): Promise<Aggregated> {
  const statement = buildRpc(call, query.read, { shape: shapeOf(call.fn, format), stripNulls: format.stripNulls });
  const result = await inRequestTransaction(ctx.pool, ctx.settings, readOnly, async (client) => {
    const value = await runAggregate(client, statement);
    // Only a set-returning function can produce other than one row; a singular request then rolls back.
    const failure = format.singular && call.fn.returnsSet && value.rows !== 1 ? singularError(value.rows) : undefined;
    return { commit: failure === undefined, value: { value, failure } };
  });
  if (result.failure) throw result.failure;
  return result.value;
}

function respond(ctx: RestContext, fn: FunctionDef, format: ResponseFormat, result: Aggregated, offset: number): void {
  const range = contentRange(offset, result.rows, undefined);
  // A void function answers 204 with no body (PostgREST ≥ 10).
  if (fn.returns === "void") return sendBody(ctx.res, 204, undefined, { "content-range": range });
  sendBody(ctx.res, 200, result.body ?? "null", {
    "content-type": format.singular ? OBJECT_TYPE : JSON_TYPE,
    "content-range": range,
  });
}
