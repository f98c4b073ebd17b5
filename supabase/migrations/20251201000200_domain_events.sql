-- The event store: one append-only table every write goes through (via emit_domain_event).
-- A stream is (stream_type, stream_id); an organization's whole history is the stream
-- ('organization', <organization id>), invitation events included, so versions 1..n are its order.

create sequence public.domain_events_global_position_seq as bigint;

create table public.domain_events (
  id uuid primary key default gen_random_uuid(),
  stream_id uuid not null,
  stream_type text not null,
  stream_version integer not null,
  event_type text not null,
  event_data jsonb not null default '{}'::jsonb,
  event_metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default clock_timestamp(),
  -- Replay order across streams; assigned by a trigger (see the ordering migration), never by writers.
  global_position bigint not null,
  constraint domain_events_stream_version_key unique (stream_type, stream_id, stream_version),
  constraint domain_events_global_position_key unique (global_position),
  constraint domain_events_stream_version_positive check (stream_version > 0),
  constraint domain_events_stream_type_format check (stream_type ~ '^[a-z][a-z0-9_]{0,62}$'),
  -- dotted.lower_case: at least two segments, e.g. organization.bootstrap.initiated
  constraint domain_events_event_type_format
    check (event_type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$' and char_length(event_type) <= 100),
  constraint domain_events_event_data_is_object check (jsonb_typeof(event_data) = 'object'),
  constraint domain_events_event_metadata_is_object check (jsonb_typeof(event_metadata) = 'object')
);

alter sequence public.domain_events_global_position_seq owned by public.domain_events.global_position;

-- Queries by type over time: the Realtime-missed sweep, metrics, "what happened recently".
create index domain_events_event_type_created_at_idx on public.domain_events (event_type, created_at);

comment on table public.domain_events is
  'Append-only domain events. Write only through emit_domain_event(); projections are maintained by trigger.';
comment on column public.domain_events.stream_version is '1..n within (stream_type, stream_id), no gaps.';
comment on column public.domain_events.event_data is 'Payload, camelCase keys; schemas in shared/src/events/payloads.ts.';
comment on column public.domain_events.event_metadata is
  'Store-level metadata, snake_case keys: idempotency_key, correlation_id, causation_id, actor_user_id, source.';
comment on column public.domain_events.global_position is
  'Replay order across streams (gaps possible). Not a commit order, except where a cross-stream rule needs one.';

-- Only service_role may read events (the worker's Realtime subscription and sweeps); nobody writes
-- directly: emit_domain_event() is SECURITY DEFINER. Supabase grants ALL on new public tables to the
-- API roles by default, hence the explicit REVOKEs; RLS without policies is the second wall.
alter table public.domain_events enable row level security;
revoke all on table public.domain_events from public, anon, authenticated, service_role;
grant select on table public.domain_events to service_role;
revoke all on sequence public.domain_events_global_position_seq from public, anon, authenticated, service_role;

-- The reconciler's Realtime subscription (postgres_changes INSERT filtered by event_type).
alter publication supabase_realtime add table public.domain_events;
