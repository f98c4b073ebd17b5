/**
 * A TCP shim that makes a service slow without touching it: it forwards every connection to
 * `target`, holding each chunk `delayMs` (changeable at any time) in both directions, in order.
 * Between the proxy and Temporal it makes "Temporal answers, but later than the function's budget".
 */
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface DelayShim {
  readonly address: string;
  delayMs: number;
  close(): Promise<void>;
}

function delayedPipe(from: net.Socket, to: net.Socket, shim: { delayMs: number }): void {
  // Chunks leave in arrival order: each waits for its own delay and for the one before it.
  let previous = Promise.resolve();
  from.on("data", (chunk: Buffer) => {
    const due = Date.now() + shim.delayMs;
    previous = previous.then(() => new Promise<void>((resolve) => {
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
        resolve();
      }, Math.max(0, due - Date.now()));
    }));
  });
  from.on("end", () => void previous.then(() => to.end()));
}

export async function startDelayShim(targetHost: string, targetPort: number): Promise<DelayShim> {
  const sockets = new Set<net.Socket>();
  const shim = { delayMs: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => { client.destroy(); upstream.destroy(); });
    }
    delayedPipe(client, upstream, shim);
    delayedPipe(upstream, client, shim);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    get delayMs() { return shim.delayMs; },
    set delayMs(value: number) { shim.delayMs = value; },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
