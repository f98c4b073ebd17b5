/**
 * Runs under Deno, the edge function's runtime: StartWorkflowExecution over gRPC-web with Deno's own
 * `fetch` and the function's client (shared/src/temporal/client.ts), one call per line read on stdin,
 * each answered on stdout with the call's own duration. The proxy benchmark drives it, so the proxy
 * is timed from the client it serves in production, not from Node's fetch (undici), which costs more
 * per call on this machine (the report shows both).
 *
 * Env: CALLER_TARGETS (JSON: name → { url, token }), TEMPORAL_NAMESPACE.
 * In:  one JSON line per call: { id, target, input } (input: a BootstrapWorkflowInput, built by the
 *      benchmark exactly as for its other paths). Out: `ready` first, then one JSON line per call:
 *      { id, ms } or { id, error }. Only the startWorkflow call itself is timed.
 */
import type { BootstrapWorkflowInput } from "@org-bootstrap/shared/bootstrap-input.ts";
import { createTemporalClient, type TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
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

interface CallRequest {
  readonly id: number;
  readonly target: string;
  readonly input: BootstrapWorkflowInput;
}

const targets = JSON.parse(Deno.env.get("CALLER_TARGETS") ?? "{}") as Record<string, Target>;
const namespace = Deno.env.get("TEMPORAL_NAMESPACE") ?? "default";
const clients = new Map<string, TemporalClient>(
  Object.entries(targets).map(([name, target]) => [
    name,
    createTemporalClient({ proxyUrl: target.url, proxyToken: target.token, namespace, identity: "bench" }),
  ]),
);

async function answer(line: string): Promise<Record<string, unknown>> {
  let request: CallRequest;
  try {
    request = JSON.parse(line) as CallRequest;
  } catch {
    return { id: null, error: "not a JSON line" };
  }
  const client = clients.get(request.target);
  if (!client) return { id: request.id, error: `unknown target "${request.target}"` };
  try {
    return { id: request.id, ms: await timedEdgeStart(client, request.input) };
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
