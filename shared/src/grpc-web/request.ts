/** The body of a unary gRPC(-web) request: exactly one uncompressed data frame. */
import { decodeFrames, encodeFrame, DATA_FLAG, FrameError } from "./frame.ts";

export function encodeUnaryRequest(message: Uint8Array): Uint8Array {
  return encodeFrame(message, DATA_FLAG);
}

/** Throws `FrameError` unless `body` is exactly one data frame of at most `maxFrameBytes`. */
export function decodeUnaryRequest(body: Uint8Array, maxFrameBytes: number): Uint8Array {
  const frames = decodeFrames(body, maxFrameBytes);
  if (frames.length !== 1) throw new FrameError(`a unary request must carry exactly one frame, got ${frames.length}`);
  const frame = frames[0]!;
  if (frame.kind !== "data") throw new FrameError("a request may not carry a trailers frame");
  return frame.payload;
}
