/**
 * Reading a complete gRPC-web response: data frames then one trailers frame, or a
 * trailers-only response whose status is in the HTTP headers, or a plain HTTP error from
 * something in front of the server.
 */
import { isGrpcWebProto } from "./content-type.ts";
import { DATA_FLAG, decodeFrames, encodeFrame, FrameError, TRAILERS_FLAG, DEFAULT_MAX_FRAME_BYTES, concatBytes } from "./frame.ts";
import { callStatusEntries, readCallStatus, statusToError, type CallStatus, type MetadataLookup } from "./metadata.ts";
import { GrpcError, GrpcStatus, grpcStatusFromHttpStatus } from "./status.ts";
import { encodeTrailerBlock, parseTrailerBlock } from "./trailers.ts";

export interface GrpcWebHttpResponse {
  readonly httpStatus: number;
  readonly headers: MetadataLookup;
  readonly body: Uint8Array;
}

export interface GrpcWebResult {
  readonly messages: Uint8Array[];
  readonly status: CallStatus;
}

export function parseGrpcWebResponse(response: GrpcWebHttpResponse, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): GrpcWebResult {
  // Trailers-only: the status is in the headers (and wins over the HTTP status).
  if (response.headers("grpc-status") != null) {
    return { messages: [], status: readCallStatus(response.headers) };
  }
  if (response.httpStatus !== 200) {
    return {
      messages: [],
      status: { code: grpcStatusFromHttpStatus(response.httpStatus), message: `HTTP ${response.httpStatus} without a grpc-status` },
    };
  }
  const contentType = response.headers("content-type");
  if (!isGrpcWebProto(contentType)) {
    return { messages: [], status: { code: GrpcStatus.UNKNOWN, message: `unexpected content-type ${JSON.stringify(contentType ?? "")}` } };
  }
  let frames;
  try {
    frames = decodeFrames(response.body, maxFrameBytes);
  } catch (error) {
    if (!(error instanceof FrameError)) throw error;
    return { messages: [], status: { code: GrpcStatus.INTERNAL, message: `malformed gRPC-web response: ${error.message}` } };
  }
  const trailers = frames.find((frame) => frame.kind === "trailers");
  if (!trailers) {
    return { messages: [], status: { code: GrpcStatus.INTERNAL, message: "gRPC-web response ended without a trailers frame" } };
  }
  let block: Map<string, string>;
  try {
    block = parseTrailerBlock(trailers.payload);
  } catch (error) {
    return { messages: [], status: { code: GrpcStatus.INTERNAL, message: `malformed gRPC-web trailers: ${(error as Error).message}` } };
  }
  return {
    messages: frames.filter((frame) => frame.kind === "data").map((frame) => frame.payload),
    status: readCallStatus((name) => block.get(name.toLowerCase())),
  };
}

/** The single message of a unary call; throws `GrpcError` for any non-OK status. */
export function unaryResponseMessage(response: GrpcWebHttpResponse, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Uint8Array {
  const { messages, status } = parseGrpcWebResponse(response, maxFrameBytes);
  if (status.code !== GrpcStatus.OK) throw statusToError(status);
  if (messages.length !== 1) {
    throw new GrpcError(GrpcStatus.INTERNAL, `a unary call returned ${messages.length} messages`);
  }
  return messages[0]!;
}

export function encodeMessageFrame(message: Uint8Array): Uint8Array {
  return encodeFrame(message, DATA_FLAG);
}

export function encodeTrailersFrame(status: CallStatus): Uint8Array {
  return encodeFrame(encodeTrailerBlock(callStatusEntries(status)), TRAILERS_FLAG);
}

/** A whole gRPC-web response body: the messages, then the status as a trailers frame. */
export function encodeGrpcWebBody(messages: readonly Uint8Array[], status: CallStatus): Uint8Array {
  return concatBytes([...messages.map(encodeMessageFrame), encodeTrailersFrame(status)]);
}
