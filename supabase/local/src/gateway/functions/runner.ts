import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { finished } from "node:stream/promises";
import { LISTENING_MARKER } from "./host-protocol.ts";
import type { DenoCommand } from "./deno-command.ts";

/** A function's Deno process, listening and ready for requests. */
export interface RunningFunction {
  readonly pid: number;
  readonly port: number;
  /** Keep-alive connections to this process only; destroyed when it exits. */
  readonly agent: http.Agent;
  readonly alive: boolean;
  /** Resolves once the process has exited and its output is flushed. */
  readonly exited: Promise<void>;
}

/**
 * Thrown when a function's process exits or stays silent before `Deno.serve` listens
 * (syntax error, missing import, a throw at the top level). `reason` is one line from its log.
 */
export class FunctionBootError extends Error {
  override readonly name = "FunctionBootError";
  constructor(readonly functionName: string, readonly reason: string, readonly logFile: string) {
    super(`${functionName} failed to boot: ${reason}`);
  }
}

export interface RunnerOptions {
  readonly name: string;
  /** Built at each boot, so edits to supabase/functions/.env apply on the next cold start. */
  readonly command: () => DenoCommand;
  readonly logFile: string;
  readonly bootTimeoutMs: number;
  /** Called when a warm process exits unexpectedly (a crash); the next request boots a new one. */
  readonly onCrash: (message: string) => void;
}

interface Spawned {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

/**
 * One function's lifecycle: booted lazily by the first request (so cold start is real and
 * measurable), kept warm, booted again on the next request after it crashes (as the Edge Runtime
 * creates a new worker), stopped by `stop()`. Concurrent first requests share one boot.
 */
export class FunctionRunner {
  #current: RunningFunction | undefined;
  #booting: Promise<RunningFunction> | undefined;
  #closed = false;
  /** Every process started and not yet exited, booting or warm. */
  readonly #children = new Set<Spawned>();

  constructor(private readonly options: RunnerOptions) {}

  acquire(): Promise<RunningFunction> {
    if (this.#closed) return Promise.reject(new Error(`${this.options.name}: the functions runtime is stopping`));
    if (this.#current?.alive) return Promise.resolve(this.#current);
    this.#booting ??= this.#boot().finally(() => (this.#booting = undefined));
    return this.#booting;
  }

  async stop(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#children].map((spawned) => stopProcess(spawned)));
  }

  async #boot(): Promise<RunningFunction> {
    const { name, logFile, bootTimeoutMs } = this.options;
    const { command, args, env, cwd } = this.options.command();
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const logStart = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const log = fs.createWriteStream(logFile, { flags: "a" });
    log.write(`--- ${new Date().toISOString()} booting ${name}\n`);
    const stderr = fs.openSync(logFile, "a");
    const startedAt = performance.now();
    let child: ChildProcess;
    try {
      child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", stderr] });
    } finally {
      fs.closeSync(stderr);
    }
    // "error" covers a spawn that never started (no "close" follows it then).
    const exited = new Promise<void>((resolve) => {
      child.once("close", () => resolve());
      child.once("error", () => resolve());
    });
    const spawned: Spawned = { child, exited };
    this.#children.add(spawned);
    void exited.then(() => {
      log.end();
      this.#children.delete(spawned);
    });

    let port: number;
    try {
      port = await waitForListening(child, log, bootTimeoutMs);
    } catch (error) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      await finished(log).catch(() => {});
      if (this.#closed) throw new Error(`${name}: the functions runtime is stopping`);
      const reason = error instanceof BootTimeout ? error.message : bootFailureReason(logFile, logStart, child);
      throw new FunctionBootError(name, reason, logFile);
    }

    const agent = new http.Agent({ keepAlive: true });
    const proc: RunningFunction = {
      pid: child.pid ?? -1,
      port,
      agent,
      exited,
      get alive() {
        return child.exitCode === null && child.signalCode === null;
      },
    };
    this.#current = proc;
    log.write(`--- booted in ${Math.round(performance.now() - startedAt)} ms (pid ${proc.pid})\n`);
    void exited.then(() => {
      agent.destroy();
      if (this.#current === proc) this.#current = undefined;
      if (!this.#closed && !stopping.has(child)) {
        const how = child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`;
        this.options.onCrash(`${name} exited (${how}); the next request boots it again`);
      }
    });
    if (this.#closed) {
      await stopProcess(spawned);
      throw new Error(`${name}: the functions runtime is stopping`);
    }
    return proc;
  }
}

class BootTimeout extends Error {}

/**
 * Resolves with the port deno-host.ts announces on stdout; every other byte of stdout goes to the
 * log unchanged. Rejects if the process exits first or stays silent past the timeout.
 */
function waitForListening(child: ChildProcess, log: fs.WriteStream, timeoutMs: number): Promise<number> {
  const stdout = child.stdout!;
  return new Promise<number>((resolve, reject) => {
    let pending = "";
    const timer = setTimeout(() => {
      done();
      // `export default { fetch }` lands here too: only Deno.serve(handler) is supported.
      reject(new BootTimeout(`Deno.serve was not listening within ${timeoutMs} ms (a function must call Deno.serve)`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline + 1);
        pending = pending.slice(newline + 1);
        // The function may have printed a partial line just before the marker.
        const at = line.indexOf(LISTENING_MARKER);
        if (at >= 0) {
          done();
          log.write(line.slice(0, at) + pending);
          stdout.pipe(log, { end: false });
          resolve(Number(line.slice(at + LISTENING_MARKER.length)));
          return;
        }
        log.write(line);
      }
    };
    const onExit = () => {
      done();
      if (pending) log.write(pending);
      reject(new Error("exited before listening"));
    };
    const done = () => {
      clearTimeout(timer);
      stdout.off("data", onData);
      child.off("close", onExit);
      child.off("error", onExit);
    };
    stdout.on("data", onData);
    // "close" rather than "exit": every byte of stdout has been seen by then.
    child.once("close", onExit);
    child.once("error", onExit);
  });
}

/** One line that says why a boot failed: Deno's `error: …` line if it printed one. */
function bootFailureReason(logFile: string, from: number, child: ChildProcess): string {
  let text = "";
  try {
    const fd = fs.openSync(logFile, "r");
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size - from, 64 * 1024));
    fs.readSync(fd, buffer, 0, buffer.length, from);
    fs.closeSync(fd);
    text = buffer.toString("utf8");
  } catch {
    // no log: fall back to the exit status below
  }
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("---"));
  const line = lines.find((l) => /^error:/i.test(l)) ?? lines.at(-1);
  const status = child.signalCode ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`;
  if (!line) return child.exitCode === 0 ? "exited without calling Deno.serve" : `exited (${status}) without output`;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

const stopping = new WeakSet<ChildProcess>();

async function stopProcess({ child, exited }: Spawned, timeoutMs = 5000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    stopping.add(child);
    child.kill("SIGTERM");
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await exited;
  clearTimeout(timer);
}
