/** Temporal's frontend as far as one answer goes: for tests of the proxy without a Temporal server. */
import type http2 from "node:http2";
import { workflowservice } from "@org-bootstrap/shared/temporal/proto.ts";

/** Answers a gRPC call with a StartWorkflowExecutionResponse carrying `runId`, status OK. */
export function answerStartWorkflow(stream: http2.ServerHttp2Stream, runId: string): void {
  const response = workflowservice.StartWorkflowExecutionResponse.encode({ runId }).finish();
  const frame = Buffer.alloc(5 + response.length);
  frame.writeUInt32BE(response.length, 1);
  frame.set(response, 5);
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.end(frame);
}
