import net from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { DEFAULT_PORTS, HOST, type StackPorts } from "./config.ts";

export function isPortFree(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A free port for throwaway test stacks, picked below Linux's ephemeral range (32768–60999): a port
 * the OS hands out for port 0 can be taken a moment later as the local port of any outgoing
 * connection (CI saw "port … already in use" that way); ports below the range never are.
 */
export async function freePort(host = HOST): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (await isPortFree(port, host)) return port;
  }
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Free and distinct ports for every service of a throwaway stack (tests, benchmarks, chaos). */
export async function freeStackPorts(): Promise<StackPorts> {
  const taken = new Set<number>();
  const ports: Partial<Record<keyof StackPorts, number>> = {};
  for (const key of Object.keys(DEFAULT_PORTS) as Array<keyof StackPorts>) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    ports[key] = port;
  }
  return ports as StackPorts;
}

export function canConnect(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}

/** Polls `check` until it returns true or the deadline passes. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}
