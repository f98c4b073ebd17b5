/**
 * Runs under Deno, the edge function's runtime, and makes the function's two calls with the
 * function's own code and Deno's own `fetch`, one call per line read on stdin, each answered on
 * stdout with its duration as measured here:
 * - `start`: StartWorkflowExecution over gRPC-web (shared/src/temporal/client.ts) through a target,
 *   the request built before the timer;
 * - `emit`: `organization.bootstrap.initiated` through the REST API (the function's event store,
 *   supabase-js with the service role, as index.ts builds it), with the inputs it is sent;
 * - `emitThenStart`: both, chained as the function chains them (the start request built once the
 *   event id is back, inside the timer, as in the function): no server, no way in.
 * The benchmarks drive it so that each call is timed from the client it has in production, not from
 * Node's fetch (undici), which costs more per call on this machine (the report shows both).
 *
 * Env: CALLER_TARGETS (JSON: name → { url, token }), TEMPORAL_NAMESPACE,
 *      CALLER_SUPABASE (JSON: { url, serviceRoleKey }; needed by `emit` and `emitThenStart`).
 * In:  one JSON line per call: { id, op: "start", target, input } (input: a BootstrapStartIdentity),
 *      { id, op: "emit", inputs } or { id, op: "emitThenStart", target, inputs } (inputs: the
 *      organization id, form and event metadata), all built by the benchmark as for its other paths.
 * Out: `ready` first, then one JSON line per call: { id, ms } or { id, error }.
 */
import { createClient } from "@supabase/supabase-js";
import type { BootstrapStartIdentity } from "@org-bootstrap/shared/bootstrap-input.ts";
import type { BootstrapRequest } from "@org-bootstrap/shared/bootstrap-request.ts";
import type { EventMetadata } from "@org-bootstrap/shared/events/index.ts";
import { createTemporalClient, type TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { supabaseEventStore, type BootstrapEventStore } from "../../../functions/organization-bootstrap/event-store.ts";
import { edgeStartRequest, expectStarted, timedEdgeStart } from "./edge-start.ts";

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

/** One bootstrap's inputs (lib/floor.ts builds them; declared here too, as that module is Node's). */
interface EmitInputs {
  readonly organizationId: string;
  readonly form: BootstrapRequest;
  readonly metadata: EventMetadata;
}

type CallRequest =
  | { readonly id: number; readonly op: "start"; readonly target: string; readonly input: BootstrapStartIdentity }
  | { readonly id: number; readonly op: "emit"; readonly inputs: EmitInputs }
  | { readonly id: number; readonly op: "emitThenStart"; readonly target: string; readonly inputs: EmitInputs };

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

async function emit(events: BootstrapEventStore, inputs: EmitInputs): Promise<string> {
  const emitted = await events.emitInitiated(inputs.organizationId, inputs.form, inputs.metadata);
  if (!emitted.ok) throw new Error(`emit refused: ${emitted.reason}`);
  return emitted.eventId;
}

async function timedEmit(inputs: EmitInputs): Promise<number> {
  const events = eventStore();
  const began = performance.now();
  await emit(events, inputs);
  return performance.now() - began;
}

async function timedEmitThenStart(target: string, inputs: EmitInputs): Promise<number> {
  const events = eventStore();
  const client = temporalClient(target);
  const began = performance.now();
  const eventId = await emit(events, inputs);
  const result = await client.startWorkflow(edgeStartRequest({ eventId, organizationId: inputs.organizationId }));
  const elapsed = performance.now() - began;
  expectStarted(result);
  return elapsed;
}

async function timedCall(request: CallRequest): Promise<number> {
  switch (request.op) {
    case "start":
      return timedEdgeStart(temporalClient(request.target), request.input);
    case "emit":
      return timedEmit(request.inputs);
    case "emitThenStart":
      return timedEmitThenStart(request.target, request.inputs);
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
