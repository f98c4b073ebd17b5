/**
 * The status of a call as carried in `grpc-status`, `grpc-message` and
 * `grpc-status-details-bin`, whether those arrived as trailers or (trailers-only) as headers.
 */
import { base64Decode, base64Encode } from "./base64.ts";
import { GrpcError, GrpcStatus, parseGrpcStatus, type GrpcStatusCode } from "./status.ts";
import { percentDecode, percentEncode } from "./trailers.ts";

/** Case-insensitive header or trailer lookup; adapts fetch `Headers`, node headers and trailer maps. */
export type MetadataLookup = (name: string) => string | null | undefined;

export interface CallStatus {
  readonly code: GrpcStatusCode;
  /** Decoded `grpc-message` ("" when absent). */
  readonly message: string;
  readonly details?: Uint8Array;
}

export function readCallStatus(get: MetadataLookup): CallStatus {
  const message = get("grpc-message");
  const details = get("grpc-status-details-bin");
  let decodedDetails: Uint8Array | undefined;
  try {
    decodedDetails = details ? base64Decode(details) : undefined;
  } catch {
    decodedDetails = undefined; // optional extra detail: a bad value must not hide the status itself
  }
  return {
    code: parseGrpcStatus(get("grpc-status")),
    message: message ? percentDecode(message) : "",
    ...(decodedDetails ? { details: decodedDetails } : {}),
  };
}

/** Wire form of a status, for trailers or trailers-only headers. */
export function callStatusEntries(status: CallStatus): Array<[string, string]> {
  const entries: Array<[string, string]> = [["grpc-status", String(status.code)]];
  if (status.message) entries.push(["grpc-message", percentEncode(status.message)]);
  if (status.details && status.details.length > 0) entries.push(["grpc-status-details-bin", base64Encode(status.details)]);
  return entries;
}

export function statusToError(status: CallStatus): GrpcError {
  return new GrpcError(status.code, status.message || "(no message)", status.details ? { statusDetails: status.details } : {});
}

export const isOk = (status: CallStatus): boolean => status.code === GrpcStatus.OK;
