/**
 * Runs under Deno, the edge function's runtime, and makes the function's two calls with the
 * function's own code and Deno's own `fetch`, one call per line read on stdin, each answered on
 * stdout with the call's own duration:
 * - `start`: StartWorkflowExecution over gRPC-web (shared/src/temporal/client.ts) through a target;
 * - `emit`: `organization.bootstrap.initiated` through the REST API (the function's event store,
 *   supabase-js with the service role, as index.ts builds it);
 * - `emitThenStart`: both, one after the other as the function makes them (the start with the
 *   emitted event's id), timed together: the two calls chained, without the function's server.
 * The benchmarks drive it so that each call is timed from the client it has in production, not from
 * Node's fetch (undici), which costs more per call on this machine (the report shows both).
 *
 * Env: CALLER_TARGETS (JSON: name → { url, token }), TEMPORAL_NAMESPACE,
 *      CALLER_SUPABASE (JSON: { url, serviceRoleKey }; needed by `emit` only).
 * In:  one JSON line per call: { id, op: "start", target, input } (input: a BootstrapWorkflowInput,
 *      built by the benchmark exactly as for its other paths), { id, op: "emit", organizationId, form }
 *      or { id, op: "emitThenStart", target, organizationId, form }. Out: `ready` first, then one JSON line per call: { id, ms } or { id, error }. Only the
 *      call itself is timed.
 */
import { createClient } from "@supabase/supabase-js";
import { bootstrapWorkflowStart, type BootstrapWorkflowInput } from "@org-bootstrap/shared/bootstrap-input.ts";
import type { BootstrapRequest } from "@org-bootstrap/shared/bootstrap-request.ts";
import { createTemporalClient, type TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { supabaseEventStore, type BootstrapEventStore } from "../../../functions/organization-bootstrap/event-store.ts";
import { timedEdgeStart } from "./edge-start.ts";

// The Node project type-checks this file too, so it declares the few Deno APIs it uses.
declare const Deno: {
  readonly env: { get(name: string): string | undefined };
  readonly stdin: { readonly readable: AsyncIterable<Uint8Array> };
  readonly stdout: { writeSync(data: Uint8Array): number };
};

interface Target {
  readonly url: string;
  readonly token: string;
}

type CallRequest =
  | { readonly id: number; readonly op: "start"; readonly target: string; readonly input: BootstrapWorkflowInput }
  | { readonly id: number; readonly op: "emit"; readonly organizationId: string; readonly form: BootstrapRequest }
  | { readonly id: number; readonly op: "emitThenStart"; readonly target: string; readonly organizationId: string; readonly form: BootstrapRequest };

const targets = JSON.parse(Deno.env.get("CALLER_TARGETS") ?? "{}") as Record<string, Target>;
const namespace = Deno.env.get("TEMPORAL_NAMESPACE") ?? "default";
const clients = new Map<string, TemporalClient>(
  Object.entries(targets).map(([name, target]) => [
    name,
    createTemporalClient({ proxyUrl: target.url, proxyToken: target.token, namespace, identity: "bench" }),
  ]),
);
const supabase = JSON.parse(Deno.env.get("CALLER_SUPABASE") ?? "null") as { url: string; serviceRoleKey: string } | null;
const store: BootstrapEventStore | undefined = supabase
  ? supabaseEventStore(createClient(supabase.url, supabase.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { headers: { "x-application-name": "bench-deno-caller" } },
  }))
  : undefined;

function eventStore(): BootstrapEventStore {
  if (!store) throw new Error("CALLER_SUPABASE is not set");
  return store;
}

function temporalClient(target: string): TemporalClient {
  const client = clients.get(target);
  if (!client) throw new Error(`unknown target "${target}"`);
  return client;
}

async function emit(events: BootstrapEventStore, organizationId: string, form: BootstrapRequest): Promise<string> {
  const emitted = await events.emitInitiated(organizationId, form, { source: "bench-breakdown" });
  if (!emitted.ok) throw new Error(`emit refused: ${emitted.reason}`);
  return emitted.eventId;
}

async function timedEmit(organizationId: string, form: BootstrapRequest): Promise<number> {
  const events = eventStore();
  const began = performance.now();
  await emit(events, organizationId, form);
  return performance.now() - began;
}

async function timedEmitThenStart(target: string, organizationId: string, form: BootstrapRequest): Promise<number> {
  const events = eventStore();
  const client = temporalClient(target);
  const began = performance.now();
  const eventId = await emit(events, organizationId, form);
  const result = await client.startWorkflow({ ...bootstrapWorkflowStart({ eventId, organizationId, payload: form }, "edge"), requestId: eventId });
  const elapsed = performance.now() - began;
  if (result.status !== "started") throw new Error(`expected a new run, got ${result.status}`);
  return elapsed;
}

async function timedCall(request: CallRequest): Promise<number> {
  switch (request.op) {
    case "start":
      return timedEdgeStart(temporalClient(request.target), request.input);
    case "emit":
      return timedEmit(request.organizationId, request.form);
    case "emitThenStart":
      return timedEmitThenStart(request.target, request.organizationId, request.form);
    default:
      throw new Error(`unknown op "${(request as { op?: unknown }).op}"`);
  }
}

async function answer(line: string): Promise<Record<string, unknown>> {
  let request: CallRequest;
  try {
    request = JSON.parse(line) as CallRequest;
  } catch {
    return { id: null, error: "not a JSON line" };
  }
  try {
    return { id: request.id, ms: await timedCall(request) };
  } catch (error) {
    return { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
}

const encoder = new TextEncoder();
const write = (line: string) => Deno.stdout.writeSync(encoder.encode(`${line}\n`));

write("ready");
const decoder = new TextDecoder();
let buffered = "";
for await (const chunk of Deno.stdin.readable) {
  buffered += decoder.decode(chunk, { stream: true });
  let newline: number;
  while ((newline = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    if (line.trim()) write(JSON.stringify(await answer(line)));
  }
}
