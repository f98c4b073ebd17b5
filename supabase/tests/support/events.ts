import crypto from "node:crypto";
import type pg from "pg";
import {
  EVENT_TYPES,
  ORGANIZATION_ADMIN_ROLE,
  emitArgs,
  type EventData,
  type EventMetadata,
  type EventType,
} from "@org-bootstrap/shared/events/index.ts";

/** A subdomain no other test (or earlier run on a kept stack) uses. */
export function uniqueSubdomain(prefix = "t"): string {
  return `${prefix}-${crypto.randomBytes(5).toString("hex")}`;
}

export function bootstrapData(subdomain: string): EventData<typeof EVENT_TYPES.bootstrapInitiated> {
  return {
    name: `Org ${subdomain}`,
    subdomain,
    contactEmail: `ops@${subdomain}.test`,
    admins: [{ email: `ada@${subdomain}.test`, firstName: "Ada" }, { email: `bob@${subdomain}.test` }],
  };
}

export function invitationData(email: string): EventData<typeof EVENT_TYPES.invitationCreated> {
  return {
    invitationId: crypto.randomUUID(),
    email,
    role: ORGANIZATION_ADMIN_ROLE,
    tokenHash: crypto.createHash("sha256").update(crypto.randomBytes(32)).digest("hex"),
    expiresAt: new Date(Date.now() + 7 * 24 * 3600_000).toISOString(),
  };
}

/**
 * Emits through the stream-based `emit_domain_event` overload with named arguments, exactly as
 * PostgREST calls it for `rpc("emit_domain_event", …)`. Payloads are checked by the zod schemas first.
 */
export async function emit<T extends EventType>(
  db: pg.Pool | pg.PoolClient,
  streamId: string,
  eventType: T,
  data: EventData<T>,
  metadata?: EventMetadata,
): Promise<string> {
  const args = emitArgs(streamId, eventType, data, metadata);
  const { rows } = await db.query<{ id: string }>(
    `select public.emit_domain_event(p_stream_id => $1, p_stream_type => $2, p_event_type => $3,
       p_event_data => $4, p_event_metadata => $5) as id`,
    [args.p_stream_id, args.p_stream_type, args.p_event_type, args.p_event_data, args.p_event_metadata ?? {}],
  );
  return rows[0]!.id;
}

/** Emits with the expected-version overload (no zod check: tests feed it deliberately stale versions). */
export async function emitAtVersion(
  db: pg.Pool | pg.PoolClient,
  streamId: string,
  version: number,
  eventType: string,
  data: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `select public.emit_domain_event(p_stream_id => $1, p_stream_type => 'organization', p_stream_version => $2,
       p_event_type => $3, p_event_data => $4, p_event_metadata => $5) as id`,
    [streamId, version, eventType, data, metadata],
  );
  return rows[0]!.id;
}

/** Emits without any client-side validation: for checking what the SQL side rejects on its own. */
export async function emitRaw(
  db: pg.Pool | pg.PoolClient,
  args: { streamId: string; streamType: string; eventType: string; data: unknown; metadata?: unknown },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `select public.emit_domain_event(p_stream_id => $1, p_stream_type => $2, p_event_type => $3,
       p_event_data => $4, p_event_metadata => $5) as id`,
    [args.streamId, args.streamType, args.eventType, JSON.stringify(args.data), JSON.stringify(args.metadata ?? {})],
  );
  return rows[0]!.id;
}

export interface StoredEvent {
  id: string;
  stream_version: number;
  event_type: string;
  event_data: Record<string, unknown>;
  event_metadata: Record<string, unknown>;
  global_position: string;
}

export async function streamEvents(db: pg.Pool | pg.PoolClient, streamId: string): Promise<StoredEvent[]> {
  const { rows } = await db.query<StoredEvent>(
    `select id, stream_version, event_type, event_data, event_metadata, global_position
     from public.domain_events where stream_type = 'organization' and stream_id = $1 order by stream_version`,
    [streamId],
  );
  return rows;
}
