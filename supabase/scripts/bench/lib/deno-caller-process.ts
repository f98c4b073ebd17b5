/** Node's handle on deno-caller.ts: one Deno process, one call at a time, each timed inside Deno. */
import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import type { BootstrapStartIdentity } from "@org-bootstrap/shared/bootstrap-input.ts";
import type { BootstrapInputs } from "./floor.ts";
import { DENO_BINARY, denoEnv, REPO_ROOT } from "../../../local/src/paths.ts";

export interface DenoTarget {
  readonly url: string;
  readonly token: string;
}

export interface DenoCallerOptions {
  /** gRPC-web endpoints to start workflows through, by name. */
  readonly targets?: Readonly<Record<string, DenoTarget>>;
  readonly namespace: string;
  /** The project the `emit` calls write to, with the service role as the function has it. */
  readonly supabase?: { readonly url: string; readonly serviceRoleKey: string };
}

export interface DenoCaller {
  /** One start through the named target; resolves with its duration as Deno measured it (ms). */
  start(target: string, input: BootstrapStartIdentity): Promise<number>;
  /** One `organization.bootstrap.initiated` emit through the REST API, as the function makes it (ms). */
  emit(inputs: BootstrapInputs): Promise<number>;
  /** The emit, then the start of its workflow through the named target, timed together (ms). */
  emitThenStart(target: string, inputs: BootstrapInputs): Promise<number>;
  stop(): Promise<void>;
}

const SCRIPT = path.join(REPO_ROOT, "supabase", "scripts", "bench", "lib", "deno-caller.ts");
/** Deno's start (module graph from the cache) and any one call fit well inside this. */
const TIMEOUT_MS = 30_000;

export async function startDenoCaller(options: DenoCallerOptions): Promise<DenoCaller> {
  const child = spawn(
    DENO_BINARY,
    ["run", "--no-prompt", "--allow-net=127.0.0.1", "--allow-env", "--config", path.join(REPO_ROOT, "deno.json"), SCRIPT],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...denoEnv(),
        CALLER_TARGETS: JSON.stringify(options.targets ?? {}),
        TEMPORAL_NAMESPACE: options.namespace,
        CALLER_SUPABASE: JSON.stringify(options.supabase ?? null),
      },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stderr = "";
  let failure: Error | undefined;
  let waiter: { resolve: (line: string) => void; reject: (error: Error) => void } | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    waiter?.reject(failure);
    waiter = undefined;
  };
  child.stderr.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
  child.on("error", (error) => fail(new Error(`the Deno caller could not run (${DENO_BINARY}): ${error.message}`)));
  child.stdin.on("error", () => {}); // EPIPE after Deno died: reported by "close" below
  // "close", not "exit": by then stdout and stderr are read to the end, so the last words are in the message.
  const closed = new Promise<void>((resolve) => child.once("close", () => {
    fail(new Error(`the Deno caller exited: ${stderr.trim() || "no output"}`));
    resolve();
  }));
  readline.createInterface({ input: child.stdout }).on("line", (line) => {
    const current = waiter;
    waiter = undefined;
    if (current) current.resolve(line);
    else fail(new Error(`the Deno caller wrote a line nobody asked for: ${line.slice(0, 200)}`));
  });

  /** Sends `line` (if any) and waits for the next line back: one exchange at a time. */
  const exchange = (line: string | undefined, what: string) => new Promise<string>((resolve, reject) => {
    if (failure) return reject(failure);
    const timer = setTimeout(() => fail(new Error(`the Deno caller did not answer ${what} within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    waiter = {
      resolve: (answer) => { clearTimeout(timer); resolve(answer); },
      reject: (error) => { clearTimeout(timer); reject(error); },
    };
    if (line !== undefined) child.stdin.write(`${line}\n`);
  });

  const stop = async () => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await closed;
    clearTimeout(timer);
  };
  const first = await exchange(undefined, "its start").catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  if (first !== "ready") {
    await stop();
    throw new Error(`the Deno caller did not start: ${first}`);
  }
  let nextId = 0;
  const call = async (request: Record<string, unknown>): Promise<number> => {
    const id = ++nextId;
    const answer = JSON.parse(await exchange(JSON.stringify({ id, ...request }), `call ${id}`)) as { id: number; ms?: number; error?: string };
    if (answer.id !== id) throw new Error(`the Deno caller answered call ${answer.id} when asked call ${id}`);
    if (answer.ms === undefined) throw new Error(`Deno caller: ${answer.error ?? "no duration"}`);
    return answer.ms;
  };
  return {
    start: (target, input) => call({ op: "start", target, input }),
    emit: (inputs) => call({ op: "emit", inputs }),
    emitThenStart: (target, inputs) => call({ op: "emitThenStart", target, inputs }),
    stop,
  };
}
