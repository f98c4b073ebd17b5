import { pgrstError, type RestError } from "./errors.ts";
import type { FunctionDef } from "./schema-cache.ts";
import { EXPOSED_SCHEMA } from "./sql/text.ts";

/** How a request's arguments reach the chosen function. */
export type RpcCall =
  | { readonly kind: "named"; readonly fn: FunctionDef; readonly args: Readonly<Record<string, unknown>> }
  /** A function with one unnamed json/jsonb parameter receives the whole body. */
  | { readonly kind: "whole-body"; readonly fn: FunctionDef; readonly body: unknown };

function acceptsNamed(fn: FunctionDef, keys: readonly string[]): boolean {
  if (fn.args.some((arg) => arg.name === "")) return false;
  const names = new Set(fn.args.map((arg) => arg.name));
  return keys.every((key) => names.has(key)) && fn.args.every((arg) => arg.hasDefault || keys.includes(arg.name));
}

function acceptsWholeBody(fn: FunctionDef): boolean {
  const [only] = fn.args;
  return fn.args.length === 1 && only!.name === "" && (only!.type === "json" || only!.type === "jsonb");
}

function signature(fn: FunctionDef): string {
  return `${EXPOSED_SCHEMA}.${fn.name}(${fn.args.map((a) => (a.name ? `${a.name} => ${a.type}` : a.type)).join(", ")})`;
}

/**
 * PostgREST's overload resolution: the function whose argument names cover the request's keys
 * (arguments with defaults may be left out), else one taking a single unnamed json/jsonb
 * parameter. No match → PGRST202 (404); more than one → PGRST203 (300).
 */
export function chooseFunction(
  name: string,
  candidates: readonly FunctionDef[],
  /** Named arguments; undefined when the body is not a JSON object (only a whole-body function can take it). */
  args: Readonly<Record<string, unknown>> | undefined,
  body: unknown,
): RpcCall | RestError {
  const keys = Object.keys(args ?? {});
  let matches: RpcCall[] = args === undefined ? [] : candidates.filter((fn) => acceptsNamed(fn, keys)).map((fn) => ({ kind: "named", fn, args }));
  if (matches.length === 0) matches = candidates.filter(acceptsWholeBody).map((fn) => ({ kind: "whole-body", fn, body }));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    return pgrstError(300, "PGRST203", `Could not choose the best candidate function between: ${matches.map((m) => signature(m.fn)).join(", ")}`, {
      hint: "Try renaming the parameters or the function itself in the database so function overloading can be resolved",
    });
  }
  const sorted = [...keys].sort();
  return pgrstError(404, "PGRST202", `Could not find the function ${EXPOSED_SCHEMA}.${name}(${sorted.join(", ")}) in the schema cache`, {
    details: `Searched for the function ${EXPOSED_SCHEMA}.${name} with parameters ${sorted.length ? sorted.join(", ") : "none"} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
    hint: candidates.length > 0 ? `Perhaps you meant to call the function ${signature(candidates[0]!)}` : null,
  });
}
