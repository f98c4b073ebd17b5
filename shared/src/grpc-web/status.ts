/**
 * gRPC status codes (grpc/grpc doc/statuscodes.md) and the one error type both the
 * Deno client and the Node proxy use for a non-OK call.
 */

export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcStatusName = keyof typeof GrpcStatus;
export type GrpcStatusCode = (typeof GrpcStatus)[GrpcStatusName];

const NAMES = new Map<number, GrpcStatusName>(
  Object.entries(GrpcStatus).map(([name, code]) => [code, name as GrpcStatusName]),
);

export function isGrpcStatusCode(value: number): value is GrpcStatusCode {
  return NAMES.has(value);
}

/** "ALREADY_EXISTS" for 6; "UNKNOWN" for a number outside the enum. */
export function grpcStatusName(code: number): GrpcStatusName {
  return NAMES.get(code) ?? "UNKNOWN";
}

/**
 * Parses a `grpc-status` value. A missing or malformed status is UNKNOWN, as the gRPC spec
 * says a client must treat it, never OK.
 */
export function parseGrpcStatus(value: string | null | undefined): GrpcStatusCode {
  if (value === null || value === undefined || !/^\d{1,2}$/.test(value.trim())) return GrpcStatus.UNKNOWN;
  const code = Number(value.trim());
  return isGrpcStatusCode(code) ? code : GrpcStatus.UNKNOWN;
}

/**
 * The gRPC code for an HTTP response that carried no `grpc-status`
 * (grpc/grpc doc/http-grpc-status-mapping.md): what a proxy or load balancer in front
 * of the server said.
 */
export function grpcStatusFromHttpStatus(httpStatus: number): GrpcStatusCode {
  switch (httpStatus) {
    case 400: return GrpcStatus.INTERNAL;
    case 401: return GrpcStatus.UNAUTHENTICATED;
    case 403: return GrpcStatus.PERMISSION_DENIED;
    case 404: return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504: return GrpcStatus.UNAVAILABLE;
    default: return GrpcStatus.UNKNOWN;
  }
}

/** Thrown when a gRPC call ends with a status other than OK, or cannot be completed at all. */
export class GrpcError extends Error {
  override readonly name = "GrpcError";
  /** The numeric gRPC status. */
  readonly code: GrpcStatusCode;
  /** The server's (decoded) `grpc-message`, or ours when the call never reached it. */
  readonly details: string;
  /** Raw `google.rpc.Status` bytes from `grpc-status-details-bin`, when the server sent them. */
  readonly statusDetails: Uint8Array | undefined;

  constructor(code: GrpcStatusCode, details: string, options: { statusDetails?: Uint8Array; cause?: unknown } = {}) {
    super(`${grpcStatusName(code)} (${code}): ${details}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = details;
    this.statusDetails = options.statusDetails;
  }

  get codeName(): GrpcStatusName {
    return grpcStatusName(this.code);
  }
}

const hasCode = (error: unknown, code: GrpcStatusCode): boolean => error instanceof GrpcError && error.code === code;

export const isAlreadyExists = (error: unknown): boolean => hasCode(error, GrpcStatus.ALREADY_EXISTS);
export const isNotFound = (error: unknown): boolean => hasCode(error, GrpcStatus.NOT_FOUND);
export const isUnavailable = (error: unknown): boolean => hasCode(error, GrpcStatus.UNAVAILABLE);
export const isDeadlineExceeded = (error: unknown): boolean => hasCode(error, GrpcStatus.DEADLINE_EXCEEDED);
export const isPermissionDenied = (error: unknown): boolean => hasCode(error, GrpcStatus.PERMISSION_DENIED);
export const isUnauthenticated = (error: unknown): boolean => hasCode(error, GrpcStatus.UNAUTHENTICATED);
