/**
 * Payloads exactly as Temporal's default data converter writes them, so the Node worker and
 * the Web UI decode what a Deno caller encoded: `metadata.encoding` is the UTF-8 bytes of
 * "json/plain" and `data` the UTF-8 JSON; `undefined` is "binary/null" with no data
 * (@temporalio/common JsonPayloadConverter / UndefinedPayloadConverter).
 * Search attributes add a `type` metadata entry, as TypedSearchAttributePayloadConverter does.
 */
import type { temporal } from "@temporalio/proto";

type Payload = temporal.api.common.v1.Payload.$Properties;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const JSON_ENCODING = "json/plain";
export const NULL_ENCODING = "binary/null";

/** Search attribute types this client can write (the ones the project registers). */
export type SearchAttributeType = "Keyword" | "Text" | "Int" | "Double" | "Bool" | "Datetime";

export function encodeJsonPayload(value: unknown): Payload {
  if (value === undefined) return { metadata: { encoding: encoder.encode(NULL_ENCODING) }, data: new Uint8Array(0) };
  if (value instanceof Uint8Array) {
    throw new TypeError("binary values are not supported: the default converter would write them as binary/plain, not JSON");
  }
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`cannot encode a ${typeof value} as a Temporal JSON payload`);
  return { metadata: { encoding: encoder.encode(JSON_ENCODING) }, data: encoder.encode(json) };
}

export function decodeJsonPayload(payload: Payload): unknown {
  const encoding = payload.metadata?.encoding ? decoder.decode(payload.metadata.encoding) : undefined;
  if (encoding === NULL_ENCODING) return undefined;
  if (encoding !== JSON_ENCODING) throw new TypeError(`unsupported payload encoding ${JSON.stringify(encoding)}`);
  return JSON.parse(decoder.decode(payload.data ?? new Uint8Array(0)));
}

export function encodeSearchAttributePayload(type: SearchAttributeType, value: string | number | boolean | Date): Payload {
  const payload = encodeJsonPayload(value instanceof Date ? value.toISOString() : value);
  return { ...payload, metadata: { ...payload.metadata, type: encoder.encode(type) } };
}

export function encodePayloadMap(values: Readonly<Record<string, unknown>>): Record<string, Payload> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, encodeJsonPayload(value)]));
}
