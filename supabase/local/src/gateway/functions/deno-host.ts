/**
 * Runs under Deno, before a function's own code (the staged main module imports it first), and
 * makes plain `deno run` behave like Supabase's Edge Runtime where a function can tell:
 *
 * - `Deno.serve` ignores the port, hostname, TLS and unix-socket options the function passes (the
 *   Edge Runtime does too) and listens on 127.0.0.1 on a port the OS picks, announced on stdout with
 *   LISTENING_MARKER; the gateway reads it and keeps it out of the function's log. Letting the OS
 *   pick avoids the race of choosing a "free" port in the gateway and binding it later here.
 * - The variables only Deno itself needs (PATH, HOME, NO_COLOR, …) are deleted before the function
 *   runs, as the Supabase CLI's edge runtime hides HOME, PATH, PWD and HOSTNAME: a function sees the
 *   injected Supabase variables and its secrets, nothing else.
 * - `EdgeRuntime.waitUntil(promise)` exists, as on the Edge Runtime.
 * - The process exits when the gateway that started it is gone (killed with SIGKILL, say) instead
 *   of lingering as an orphan on a shared machine.
 *
 * The Node project type-checks this file, so it declares the few Deno APIs it uses.
 */
import { HOST_ENV_VARIABLE, LISTENING_MARKER } from "./host-protocol.ts";

interface ServeAddr {
  readonly port?: number;
}
interface ServeOptions {
  readonly handler?: unknown;
  readonly onListen?: (addr: ServeAddr) => void;
  readonly [option: string]: unknown;
}
declare const Deno: {
  serve(...args: unknown[]): unknown;
  readonly env: { get(name: string): string | undefined; delete(name: string): void };
  readonly stdout: { writeSync(data: Uint8Array): number };
  readonly ppid: number;
  exit(code?: number): never;
  unrefTimer(id: number): void;
};

const hostOnly = (Deno.env.get(HOST_ENV_VARIABLE) ?? "").split(",").filter(Boolean);
for (const name of [...hostOnly, HOST_ENV_VARIABLE]) Deno.env.delete(name);

// Captured before the function runs, so a function that replaces console.log cannot swallow it.
const stdout = Deno.stdout;
const announce = (port: number) => stdout.writeSync(new TextEncoder().encode(`${LISTENING_MARKER}${port}\n`));

const serve = Deno.serve.bind(Deno);
let served = false;
Deno.serve = (first: unknown, second?: unknown): unknown => {
  if (served) throw new Error("a function may call Deno.serve only once (Supabase's Edge Runtime serves one handler per function)");
  served = true;
  const options: ServeOptions = typeof first === "function" ? {} : ((first ?? {}) as ServeOptions);
  const given = typeof first === "function" ? first : typeof second === "function" ? second : options.handler;
  if (typeof given !== "function") throw new TypeError("Deno.serve needs a handler function");
  const handler = (request: unknown, info: { readonly remoteAddr?: unknown } | undefined) =>
    (given as (request: unknown, info: unknown) => unknown)(request, { remoteAddr: info?.remoteAddr });
  const { port: _port, hostname: _hostname, path: _path, cert: _cert, key: _key, transport: _transport, onListen, ...rest } = options;
  return serve({
    ...rest,
    handler,
    hostname: "127.0.0.1",
    port: 0,
    onListen(addr: ServeAddr) {
      announce(addr.port ?? 0);
      onListen?.(addr);
    },
  });
};

const runtime = globalThis as { EdgeRuntime?: { waitUntil(promise: Promise<unknown>): Promise<unknown> } };
runtime.EdgeRuntime ??= {
  waitUntil(promise) {
    promise.catch((error: unknown) => console.error("EdgeRuntime.waitUntil: the promise rejected:", error));
    return promise;
  },
};

const parent = Deno.ppid;
const watch = setInterval(() => {
  if (Deno.ppid !== parent) Deno.exit(0);
}, 1000) as unknown as number;
Deno.unrefTimer(watch);
