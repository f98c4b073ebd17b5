/**
 * gRPC length-prefixed framing, shared by gRPC and gRPC-web (grpc/grpc doc/PROTOCOL-WEB.md):
 * 1 flag byte, 4-byte big-endian length, then the payload. Flag 0x00 is a message,
 * 0x80 (the MSB) a gRPC-web trailer block; bit 0x01 means "compressed", which this project
 * never negotiates and therefore refuses.
 */

export const FRAME_HEADER_BYTES = 5;
export const DATA_FLAG = 0x00;
export const TRAILERS_FLAG = 0x80;
const COMPRESSED_BIT = 0x01;

/** gRPC's default maximum receive size; callers pass a smaller limit where they can. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

export interface Frame {
  readonly kind: "data" | "trailers";
  readonly payload: Uint8Array;
}

/** Thrown when bytes are not valid gRPC(-web) framing; callers map it to a gRPC status. */
export class FrameError extends Error {
  override readonly name = "FrameError";
}

export function encodeFrame(payload: Uint8Array, flag: number = DATA_FLAG): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  frame[0] = flag;
  new DataView(frame.buffer).setUint32(1, payload.length, false);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Parses frames from chunks as they arrive, in any split. A length prefix above
 * `maxFrameBytes` is refused as soon as its header is read (before buffering the payload);
 * a prefix promising more bytes than ever arrive is refused by `finish()`.
 */
export class FrameParser {
  private buffer: Uint8Array = new Uint8Array(0);
  private trailersSeen = false;

  constructor(private readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {}

  push(chunk: Uint8Array): Frame[] {
    this.buffer = this.buffer.length === 0 ? chunk.slice() : concatBytes([this.buffer, chunk]);
    const frames: Frame[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= FRAME_HEADER_BYTES) {
      const flag = this.buffer[offset]!;
      const length = new DataView(this.buffer.buffer, this.buffer.byteOffset + offset + 1, 4).getUint32(0, false);
      if (flag & COMPRESSED_BIT) throw new FrameError("compressed frames are not supported (no grpc-encoding was negotiated)");
      if (flag !== DATA_FLAG && flag !== TRAILERS_FLAG) throw new FrameError(`unknown frame flag 0x${flag.toString(16).padStart(2, "0")}`);
      if (length > this.maxFrameBytes) throw new FrameError(`frame of ${length} bytes exceeds the ${this.maxFrameBytes}-byte limit`);
      if (this.trailersSeen) throw new FrameError("a frame follows the trailers frame");
      if (this.buffer.length - offset - FRAME_HEADER_BYTES < length) break;
      const start = offset + FRAME_HEADER_BYTES;
      const payload = this.buffer.slice(start, start + length);
      offset = start + length;
      if (flag === TRAILERS_FLAG) this.trailersSeen = true;
      frames.push({ kind: flag === TRAILERS_FLAG ? "trailers" : "data", payload });
    }
    this.buffer = this.buffer.slice(offset);
    return frames;
  }

  /** Call at end of stream: leftover bytes mean a truncated frame or a lying length prefix. */
  finish(): void {
    if (this.buffer.length === 0) return;
    if (this.buffer.length < FRAME_HEADER_BYTES) {
      throw new FrameError(`truncated frame header: ${this.buffer.length} of ${FRAME_HEADER_BYTES} bytes`);
    }
    const length = new DataView(this.buffer.buffer, this.buffer.byteOffset + 1, 4).getUint32(0, false);
    throw new FrameError(`frame length prefix says ${length} bytes but only ${this.buffer.length - FRAME_HEADER_BYTES} arrived`);
  }
}

/** All frames of a complete body. */
export function decodeFrames(body: Uint8Array, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): Frame[] {
  const parser = new FrameParser(maxFrameBytes);
  const frames = parser.push(body);
  parser.finish();
  return frames;
}
