/**
 * Runs under Deno, the edge function's runtime: StartWorkflowExecution over gRPC-web with Deno's own
 * `fetch` and the function's client (shared/src/temporal/client.ts), one call per line read on stdin,
 * each answered on stdout with the call's own duration. The proxy benchmark drives it, so the proxy
 * is timed from the client it serves in production, not from Node's fetch (undici), which costs more
 * per call on this machine (the report shows both).
 *
 * Env: CALLER_TARGETS (JSON: name → { url, token }), TEMPORAL_NAMESPACE.
 * In:  one target name per line.   Out: `ok <ms>` or `error <message>` per line; `ready` first.
 */
import { bootstrapWorkflowStart } from "@org-bootstrap/shared/bootstrap-input.ts";
import { createTemporalClient, type TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import type { BootstrapRequest } from "@org-bootstrap/shared/bootstrap-request.ts";

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

const targets = JSON.parse(Deno.env.get("CALLER_TARGETS") ?? "{}") as Record<string, Target>;
const namespace = Deno.env.get("TEMPORAL_NAMESPACE") ?? "default";
const clients = new Map<string, TemporalClient>(
  Object.entries(targets).map(([name, target]) => [
    name,
    createTemporalClient({ proxyUrl: target.url, proxyToken: target.token, namespace, identity: "bench" }),
  ]),
);

function form(): BootstrapRequest {
  const tag = crypto.randomUUID().slice(0, 12);
  return { name: `Bench ${tag}`, subdomain: `b-${tag}`, contactEmail: `ops@${tag}.bench.test`, admins: [{ email: `ada@${tag}.bench.test` }] };
}

async function callOnce(client: TemporalClient): Promise<number> {
  const eventId = crypto.randomUUID();
  // The function's own request: the shared builder, with the event id as requestId.
  const start = { ...bootstrapWorkflowStart({ eventId, organizationId: crypto.randomUUID(), payload: form() }, "edge"), requestId: eventId };
  const began = performance.now();
  const result = await client.startWorkflow(start);
  const elapsed = performance.now() - began;
  if (result.status !== "started") throw new Error(`expected a new run, got ${result.status}`);
  return elapsed;
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
    const name = buffered.slice(0, newline).trim();
    buffered = buffered.slice(newline + 1);
    const client = clients.get(name);
    if (!client) {
      write(`error unknown target "${name}"`);
      continue;
    }
    try {
      write(`ok ${await callOnce(client)}`);
    } catch (error) {
      write(`error ${(error instanceof Error ? error.message : String(error)).replaceAll("\n", " ")}`);
    }
  }
}
