/** Parses a `grpc-timeout` header ("100m", "5S", …) to milliseconds; undefined when absent or malformed. */
const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };

export function parseGrpcTimeout(value: string | undefined): number | undefined {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value?.trim() ?? "");
  if (!match) return undefined;
  return Math.max(1, Math.ceil(Number(match[1]) * UNIT_MS[match[2]!]!));
}
