/**
 * The gRPC-web proxy as a process: `tsx workflows/src/proxy/main.ts`.
 * Configuration comes from the environment (see env.ts); SIGTERM/SIGINT finish calls in
 * flight and exit. Routine lines are the shared JSON log lines (call-log.ts); a configuration that
 * keeps it from starting is told on stderr in plain words.
 */
import { formatEnvProblems, parseProxyEnv } from "./env.ts";
import { proxyLog } from "./call-log.ts";
import { startProxy } from "./server.ts";

const parsed = parseProxyEnv(process.env);
if (!parsed.ok) {
  process.stderr.write(`${formatEnvProblems(parsed.problems)}\n`);
  process.exit(1);
}

try {
  const proxy = await startProxy(parsed.options);
  proxyLog("info", "proxy listening", { url: proxy.url, temporalAddress: parsed.options.temporalAddress, namespace: parsed.options.namespace });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    proxyLog("info", "proxy stopping: finishing calls in flight", { signal });
    void proxy.close().then(() => {
      proxyLog("info", "proxy stopped");
      process.exit(0);
    });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  const fix = code === "EADDRINUSE" ? "  fix: set TEMPORAL_PROXY_PORT to a free port, or stop what is using it" : "";
  process.stderr.write(`✖ the Temporal proxy cannot start: ${(error as Error).message}\n${fix ? `${fix}\n` : ""}`);
  process.exit(1);
}
