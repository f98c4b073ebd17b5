import fs from "node:fs";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { StackError } from "../../errors.ts";
import { CONFIG_TOML, DENO_BINARY, FUNCTIONS_DIR, REPO_ROOT } from "../../paths.ts";
import { MountError } from "./mounts.ts";
import { bearerToken } from "../http-util.ts";
import { withVerifiedTokenCache } from "../token-cache.ts";
import type { GatewayDeps, HttpService } from "../types.ts";
import { readFunctionsConfig } from "./config.ts";
import { denoCommand, HOST_ENV_NAMES } from "./deno-command.ts";
import { DotenvError, loadFunctionSecrets } from "./dotenv.ts";
import { findFunction, type FunctionSource } from "./function-source.ts";
import { proxyToFunction, type ProxyLimits } from "./proxy.ts";
import { functionErrors } from "./responses.ts";
import { FunctionBootError, FunctionRunner, type RunningFunction } from "./runner.ts";

export interface FunctionsOptions {
  /** Defaults to the project's supabase/functions and supabase/config.toml. */
  readonly functionsDir?: string;
  readonly configFile?: string;
  readonly maxBodyBytes?: number;
  readonly idleTimeoutMs?: number;
  readonly bootTimeoutMs?: number;
  /** Where one-line notices go (boot failures, crashes, skipped secrets); the stack log by default. */
  readonly log?: (line: string) => void;
}

/**
 * Supabase documents no request-body limit for Edge Functions; 20 MiB keeps a runaway client from
 * streaming forever into a function on a developer's machine.
 */
const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;
/** Kong's read_timeout for /functions/v1 in the Supabase CLI, "to match hosted project". */
const DEFAULT_IDLE_TIMEOUT_MS = 150_000;
/** A first boot compiles the function and its npm graph; measured ~0.2 s warm-cache, allow for a cold cache on a busy machine. */
const DEFAULT_BOOT_TIMEOUT_MS = 30_000;

/**
 * The Edge Functions runtime at /functions/v1/<name>, as `supabase functions serve` runs it: each
 * function in its own `deno run` process (Deno 2.1.4 from npm, the Deno inside the Edge Runtime
 * the Supabase CLI pins) over only the files the CLI would mount (deno-command.ts), started by its
 * first request, kept warm, proxied to with streaming bodies. The gateway applies `verify_jwt`
 * from config.toml before the function runs.
 */
export async function createFunctionsService(deps: GatewayDeps, options: FunctionsOptions = {}): Promise<HttpService> {
  const functionsDir = options.functionsDir ?? FUNCTIONS_DIR;
  const settingsFor = readFunctionsConfig(options.configFile ?? CONFIG_TOML);
  const log = options.log ?? ((line: string) => console.error(`[functions] ${line}`));
  const limits: ProxyLimits = {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  };
  if (!fs.existsSync(DENO_BINARY)) {
    throw new StackError(`Deno is not installed (${path.relative(process.cwd(), DENO_BINARY)} is missing)`, "run the command through npm (`npm start`, `npm test`: they install Deno 2.1.4 from the npm package @deno/linux-x64-glibc); on another platform, install Deno 2.1.4 and link it there");
  }

  // A caller sends the same token until it expires; PostgREST-style memo, expiry re-checked on every hit.
  const keys = withVerifiedTokenCache(deps.keys);
  const managed = new Set([...Object.keys(deps.functionsEnv), ...HOST_ENV_NAMES]);
  const secretsFile = path.join(functionsDir, ".env");
  const readSecrets = () => loadFunctionSecrets(secretsFile, managed);
  try {
    for (const warning of readSecrets().warnings) log(warning);
  } catch (error) {
    if (error instanceof DotenvError) throw new StackError(error.message, "fix the file: one NAME=value per line", { cause: error });
    throw error;
  }

  const logFileOf = (name: string) => path.join(deps.dataDir, "logs", `functions-${name}.log`);
  const shown = (file: string) => path.relative(process.cwd(), file) || file;
  const runners = new Map<string, FunctionRunner>();
  let closed = false;

  function runnerFor(source: FunctionSource): FunctionRunner {
    let runner = runners.get(source.name);
    if (!runner) {
      const logFile = logFileOf(source.name);
      runner = new FunctionRunner({
        name: source.name,
        logFile,
        bootTimeoutMs: options.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS,
        command: () => {
          let secrets: Readonly<Record<string, string>>;
          try {
            secrets = readSecrets().values;
          } catch (error) {
            if (error instanceof DotenvError) throw new FunctionBootError(source.name, error.message, logFile);
            throw error;
          }
          try {
            return denoCommand({
              deno: DENO_BINARY,
              source,
              projectRoot: REPO_ROOT,
              functionsDir,
              stageDir: path.join(deps.dataDir, "functions", source.name),
              denoDir: path.join(deps.dataDir, "deno-cache"),
              functionEnv: { ...secrets, ...deps.functionsEnv },
            });
          } catch (error) {
            if (error instanceof MountError) throw new FunctionBootError(source.name, error.message, logFile);
            throw error;
          }
        },
        onCrash: (message) => log(`${message} (log: ${shown(logFile)})`),
      });
      runners.set(source.name, runner);
    }
    return runner;
  }

  /** verify_jwt: any JWT our keys signed and that has not expired (the anon key included), as on Supabase. */
  async function rejectsJwt(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (!req.headers.authorization) {
      functionErrors.missingAuthorization(res);
      return true;
    }
    const token = bearerToken(req);
    const valid = token !== undefined && (await keys.verify(token).then(() => true, () => false));
    if (!valid) functionErrors.invalidJwt(res);
    return !valid;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, subpath: string, url: URL): Promise<void> {
    const name = subpath.split("/")[1] ?? "";
    const source = findFunction(functionsDir, name);
    if (!source || !settingsFor(name).enabled) return functionErrors.notFound(res);
    // Like the Supabase CLI's runtime, a CORS preflight skips the check: browsers never send
    // Authorization on one, and the function must answer it.
    if (req.method !== "OPTIONS" && settingsFor(name).verifyJwt && (await rejectsJwt(req, res))) return;
    if (closed) return functionErrors.shuttingDown(res);

    let running: RunningFunction;
    try {
      running = await runnerFor(source).acquire();
    } catch (error) {
      if (closed) return functionErrors.shuttingDown(res);
      if (error instanceof FunctionBootError) {
        log(`${error.message} (log: ${shown(error.logFile)})`);
        return functionErrors.bootError(res);
      }
      throw error;
    }
    await proxyToFunction(req, res, running, `${subpath}${url.search}`, limits);
  }

  return {
    handle,
    async close() {
      closed = true;
      await Promise.all([...runners.values()].map((runner) => runner.stop()));
    },
  };
}
