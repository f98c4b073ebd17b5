/**
 * A benchmark floor for the proxy: the same gRPC-web → gRPC translation over the same transport
 * (node:http in, the proxy's own TemporalUpstream out, its response writer), with none of the
 * proxy's work (no token check, no decoding and checking of the request, no re-encoding, no log).
 * The proxy minus this relay is what the proxy's own checks cost; this relay minus a direct call is
 * what any separate gRPC-web hop costs on the machine. Never a product component: it checks nothing.
 *
 * Env: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, RELAY_PORT (127.0.0.1 only). Prints "relay listening".
 */
import http from "node:http";
import { decodeUnaryRequest } from "@org-bootstrap/shared/grpc-web/request.ts";
import { sendForwarded } from "../../../../workflows/src/proxy/respond.ts";
import { TemporalUpstream } from "../../../../workflows/src/proxy/upstream.ts";

const RELAY_READY_LINE = "relay listening";
const MAX_BYTES = 256 * 1024;

function main(): void {
  const upstream = new TemporalUpstream({
    address: process.env.TEMPORAL_ADDRESS ?? "",
    namespace: process.env.TEMPORAL_NAMESPACE ?? "default",
    maxResponseBytes: 4 * 1024 * 1024,
  });
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const message = decodeUnaryRequest(Buffer.concat(chunks), MAX_BYTES);
    const result = await upstream.call(req.url ?? "/", message, 10_000);
    sendForwarded(res, result.data, result.status);
  });
  server.listen(Number(process.env.RELAY_PORT), "127.0.0.1", () => process.stdout.write(`${RELAY_READY_LINE}\n`));
  process.on("SIGTERM", () => {
    server.close();
    void upstream.close().finally(() => process.exit(0));
  });
}

main();
