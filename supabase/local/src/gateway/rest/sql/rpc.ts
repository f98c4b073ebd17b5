import type { ReadQuery } from "../parse/query.ts";
import type { RpcCall } from "../rpc-resolve.ts";
import { aggregate, type BodyShape } from "./aggregate.ts";
import { buildRead } from "./read.ts";
import { Params, ident, qualified, type Statement } from "./text.ts";

/**
 * The call and, for named arguments, a FROM item that types them: json_to_record reads the JSON
 * body with each argument's declared type (arrays, enums, jsonb, …), as PostgREST does.
 */
function renderCall(call: RpcCall, params: Params): { expr: string; argsFrom?: string } {
  const fn = qualified(call.fn.name);
  if (call.kind === "whole-body") return { expr: `${fn}(${params.add(JSON.stringify(call.body))}::${call.fn.args[0]!.type})` };
  const given = call.fn.args.filter((arg) => Object.hasOwn(call.args, arg.name));
  if (given.length === 0) return { expr: `${fn}()` };
  const json = params.add(JSON.stringify(call.args));
  return {
    expr: `${fn}(${given.map((a) => `${a.variadic ? "VARIADIC " : ""}${ident(a.name)} := pgrst_args.${ident(a.name)}`).join(", ")})`,
    argsFrom: `json_to_record(${json}::json) AS pgrst_args(${given.map((a) => `${ident(a.name)} ${a.type}`).join(", ")})`,
  };
}

export interface RpcOptions {
  readonly shape: BodyShape;
  readonly stripNulls: boolean;
}

/**
 * Functions returning rows are read like a table (select, filters, order, limit apply to the
 * call's rows); scalar and void functions are called in the select list.
 */
export function buildRpc(call: RpcCall, query: ReadQuery, options: RpcOptions): Statement {
  const params = new Params();
  const { expr, argsFrom } = renderCall(call, params);
  if (call.fn.returns === "composite") {
    const from = argsFrom ? `${argsFrom}, LATERAL ${expr} pgrst_call` : `${expr} pgrst_call`;
    return buildRead({ from, qualifier: "pgrst_call" }, query, { ...options, count: false }, params);
  }
  const inner = `SELECT ${expr} AS pgrst_scalar${argsFrom ? ` FROM ${argsFrom}` : ""}`;
  return { text: aggregate(`pgrst_source AS (${inner})`, options), values: params.values };
}
