/** google.protobuf Duration/Timestamp conversions; int64 seconds decode as a `Long` object. */
import type { google } from "@temporalio/proto";

type Int64 = number | { toNumber(): number } | null | undefined;

export function int64ToNumber(value: Int64): number {
  if (value === null || value === undefined) return 0;
  return typeof value === "number" ? value : value.toNumber();
}

export function timestampToDate(timestamp: { seconds?: Int64; nanos?: number | null } | null | undefined): Date | undefined {
  if (!timestamp) return undefined;
  return new Date(int64ToNumber(timestamp.seconds) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6));
}

type Duration = google.protobuf.Duration.$Properties;

export function msToDuration(ms: number): Duration {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`a duration must be a positive number of milliseconds, got ${ms}`);
  const seconds = Math.floor(ms / 1000);
  // protobufjs writes a plain number as int64 correctly; the generated types only name `Long`,
  // which would otherwise be one more dependency to map for Deno.
  return { seconds: seconds as unknown as NonNullable<Duration["seconds"]>, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}
