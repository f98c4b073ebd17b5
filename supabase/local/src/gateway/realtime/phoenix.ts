/**
 * Phoenix channel frames as Supabase Realtime speaks them.
 *
 * vsn 2.0.0 text frames are JSON arrays `[join_ref, ref, topic, event, payload]`; vsn 1.0.0 frames
 * are objects, and the server's V1 serializer sends only `topic, event, payload, ref` (no join_ref).
 * Binary frames exist only for user broadcast, which the local stack does not serve.
 */
export type Vsn = "1.0.0" | "2.0.0";

export interface PhoenixMessage {
  readonly joinRef: string | null;
  readonly ref: string | null;
  readonly topic: string;
  readonly event: string;
  readonly payload: unknown;
}

/** Phoenix's default when the client names no version is 1.0.0; anything unknown is refused. */
export function parseVsn(raw: string | null): Vsn | undefined {
  if (raw === null || raw === "1.0.0") return "1.0.0";
  return raw === "2.0.0" ? "2.0.0" : undefined;
}

const refOf = (value: unknown): string | null =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : null;

/** Returns undefined for anything that is not a well-formed frame (the caller ignores it, as Phoenix logs and drops it). */
export function decodeFrame(vsn: Vsn, text: string): PhoenixMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  let fields: { joinRef: unknown; ref: unknown; topic: unknown; event: unknown; payload: unknown };
  if (vsn === "2.0.0") {
    if (!Array.isArray(parsed) || parsed.length !== 5) return undefined;
    const [joinRef, ref, topic, event, payload] = parsed as unknown[];
    fields = { joinRef, ref, topic, event, payload };
  } else {
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const o = parsed as Record<string, unknown>;
    fields = { joinRef: o.join_ref, ref: o.ref, topic: o.topic, event: o.event, payload: o.payload };
  }
  if (typeof fields.topic !== "string" || typeof fields.event !== "string") return undefined;
  return {
    joinRef: refOf(fields.joinRef),
    ref: refOf(fields.ref),
    topic: fields.topic,
    event: fields.event,
    payload: fields.payload ?? {},
  };
}

export function encodeFrame(vsn: Vsn, message: PhoenixMessage): string {
  return encodeWithPayloadJson(vsn, message.joinRef, message.ref, message.topic, message.event, JSON.stringify(message.payload));
}

/**
 * Encodes a frame around an already serialized payload, so one change serialized once can be
 * sent to many channels (only the topic and the binding ids differ between them).
 */
export function encodeWithPayloadJson(
  vsn: Vsn,
  joinRef: string | null,
  ref: string | null,
  topic: string,
  event: string,
  payloadJson: string,
): string {
  const t = JSON.stringify(topic);
  const e = JSON.stringify(event);
  const r = JSON.stringify(ref);
  return vsn === "2.0.0"
    ? `[${JSON.stringify(joinRef)},${r},${t},${e},${payloadJson}]`
    : `{"topic":${t},"event":${e},"payload":${payloadJson},"ref":${r}}`;
}

export const replyTo = (to: PhoenixMessage, status: "ok" | "error", response: unknown): PhoenixMessage => ({
  joinRef: to.joinRef,
  ref: to.ref,
  topic: to.topic,
  event: "phx_reply",
  payload: { status, response },
});

export const serverPush = (topic: string, event: string, payload: unknown, joinRef: string | null = null): PhoenixMessage => ({
  joinRef,
  ref: null,
  topic,
  event,
  payload,
});
