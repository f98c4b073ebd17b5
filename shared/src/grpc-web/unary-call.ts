/**
 * One unary gRPC-web call over `fetch` (the only HTTP client on Supabase's Edge Runtime).
 * Every failure becomes a `GrpcError`: a network failure is UNAVAILABLE, our own deadline
 * DEADLINE_EXCEEDED, the caller's abort CANCELLED.
 */
import { GRPC_WEB_CONTENT_TYPE } from "./content-type.ts";
import { concatBytes, DEFAULT_MAX_FRAME_BYTES } from "./frame.ts";
import { encodeUnaryRequest } from "./request.ts";
import { unaryResponseMessage } from "./response.ts";
import { GrpcError, GrpcStatus } from "./status.ts";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface UnaryCallOptions {
  readonly fetch: FetchLike;
  /** Extra request headers (e.g. authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Deadline for the whole call, sent upstream as `grpc-timeout` too. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Refuse responses larger than this (gRPC's default receive limit). */
  readonly maxResponseBytes?: number;
  /**
   * Send once more when fetch itself fails (no HTTP answer at all), within the same deadline.
   * Only for idempotent calls. It covers the keep-alive race: a pooled connection the server
   * closed while idle fails the next POST before it is processed, and fetch does not retry POSTs.
   */
  readonly idempotent?: boolean;
}

export async function unaryCall(url: string, message: Uint8Array, options: UnaryCallOptions): Promise<Uint8Array> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const failure = (error: unknown): GrpcError => {
    if (error instanceof GrpcError) return error;
    if (deadline.aborted) return new GrpcError(GrpcStatus.DEADLINE_EXCEEDED, `no answer within ${options.timeoutMs} ms`, { cause: error });
    if (options.signal?.aborted) {
      // A caller's AbortSignal.timeout() is a deadline too; any other abort is a cancellation.
      const timedOut = (options.signal.reason as { name?: string } | undefined)?.name === "TimeoutError";
      return timedOut
        ? new GrpcError(GrpcStatus.DEADLINE_EXCEEDED, "the caller's deadline passed", { cause: error })
        : new GrpcError(GrpcStatus.CANCELLED, "the call was cancelled", { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new GrpcError(GrpcStatus.UNAVAILABLE, `could not reach ${new URL(url).origin}: ${reason}`, { cause: error });
  };
  // The frame owns its whole buffer, so the buffer is the body; typed as an ArrayBuffer because
  // fetch's BodyInit refuses a view over a shared buffer (and Deno 2.1's TypeScript has no generic views).
  const body = encodeUnaryRequest(message).buffer as ArrayBuffer;
  const send = () =>
    options.fetch(url, {
      method: "POST",
      headers: {
        ...options.headers,
        "content-type": GRPC_WEB_CONTENT_TYPE,
        accept: GRPC_WEB_CONTENT_TYPE,
        "x-grpc-web": "1",
        "grpc-timeout": `${Math.max(1, Math.ceil(options.timeoutMs))}m`,
      },
      body,
      signal,
    });
  try {
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      if (!options.idempotent || signal.aborted) throw error;
      response = await send();
    }
    const responseBody = await readLimited(response, maxBytes);
    return unaryResponseMessage(
      { httpStatus: response.status, headers: (name) => response.headers.get(name), body: responseBody },
      maxBytes,
    );
  } catch (error) {
    throw failure(error);
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new GrpcError(GrpcStatus.RESOURCE_EXHAUSTED, `response exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}
