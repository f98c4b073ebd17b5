-- emit_domain_event: the one way events are written (edge function, activities, reconciler, seed).
--
-- Two overloads, told apart by PostgREST through their argument NAMES (supabase-js sends named args):
--   stream-based  (p_stream_id, p_stream_type, p_event_type, p_event_data[, p_event_metadata])
--                 appends at the next version, whatever it is;
--   expected-version (… plus p_stream_version) appends at exactly that version or fails with 23505
--                 "stream version conflict" (optimistic concurrency; HTTP 409 through PostgREST).
-- Both return the event id. With event_metadata.idempotency_key, a repeated emit on the same stream
-- returns the first event's id and writes nothing.
--
-- Concurrency: each emit takes a transaction-scoped advisory lock on its stream, then reads max+1.
-- Emits to one stream therefore queue (for the length of the caller's transaction) instead of failing
-- on the unique (stream_type, stream_id, stream_version) key; emits to different streams never wait on
-- each other. The lock is also what makes the idempotency lookup race-free; the partial unique index
-- below is the backstop if a writer bypasses this function.

create unique index domain_events_idempotency_key
  on public.domain_events (stream_type, stream_id, (event_metadata ->> 'idempotency_key'))
  where event_metadata ? 'idempotency_key';

create function private.lock_stream(p_stream_type text, p_stream_id uuid) returns void
language sql
set search_path = ''
as $$
  select pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtextextended('domain_events.stream:' || p_stream_type || ':' || p_stream_id::text, 0))
$$;

create function private.current_stream_version(p_stream_type text, p_stream_id uuid) returns integer
language sql stable
set search_path = ''
as $$
  select coalesce(max(e.stream_version), 0)
  from public.domain_events e
  where e.stream_type = p_stream_type and e.stream_id = p_stream_id
$$;

-- The id of the event already written with this idempotency key on this stream, if any.
create function private.find_idempotent_event(
  p_stream_type text, p_stream_id uuid, p_event_type text, p_event_metadata jsonb
) returns uuid
language plpgsql stable
set search_path = ''
as $$
declare
  v_id uuid;
  v_event_type text;
begin
  if p_event_metadata is null or not p_event_metadata ? 'idempotency_key' then
    return null;
  end if;
  select e.id, e.event_type into v_id, v_event_type
  from public.domain_events e
  where e.stream_type = p_stream_type
    and e.stream_id = p_stream_id
    and e.event_metadata ? 'idempotency_key'
    and e.event_metadata ->> 'idempotency_key' = p_event_metadata ->> 'idempotency_key';
  if v_id is not null and v_event_type <> p_event_type then
    raise exception 'idempotency key "%" was already used on this stream for %, not %',
      p_event_metadata ->> 'idempotency_key', v_event_type, p_event_type
      using errcode = '22023', hint = 'use one idempotency key per logical event';
  end if;
  return v_id;
end
$$;

create function private.append_event(
  p_stream_id uuid, p_stream_type text, p_stream_version integer,
  p_event_type text, p_event_data jsonb, p_event_metadata jsonb
) returns uuid
language sql
set search_path = ''
as $$
  insert into public.domain_events (stream_id, stream_type, stream_version, event_type, event_data, event_metadata)
  values (p_stream_id, p_stream_type, p_stream_version, p_event_type, p_event_data, coalesce(p_event_metadata, '{}'::jsonb))
  returning id
$$;

create function public.emit_domain_event(
  p_stream_id uuid,
  p_stream_type text,
  p_event_type text,
  p_event_data jsonb,
  p_event_metadata jsonb default '{}'::jsonb
) returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_existing uuid;
begin
  if p_stream_id is null or p_stream_type is null then
    raise exception 'p_stream_id and p_stream_type are required' using errcode = '22004';
  end if;
  perform private.lock_stream(p_stream_type, p_stream_id);
  v_existing := private.find_idempotent_event(p_stream_type, p_stream_id, p_event_type, p_event_metadata);
  if v_existing is not null then
    return v_existing;
  end if;
  return private.append_event(
    p_stream_id, p_stream_type, private.current_stream_version(p_stream_type, p_stream_id) + 1,
    p_event_type, p_event_data, p_event_metadata);
end
$$;

create function public.emit_domain_event(
  p_stream_id uuid,
  p_stream_type text,
  p_stream_version integer,
  p_event_type text,
  p_event_data jsonb,
  p_event_metadata jsonb default '{}'::jsonb
) returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_existing uuid;
  v_current integer;
begin
  if p_stream_id is null or p_stream_type is null or p_stream_version is null then
    raise exception 'p_stream_id, p_stream_type and p_stream_version are required' using errcode = '22004';
  end if;
  perform private.lock_stream(p_stream_type, p_stream_id);
  v_existing := private.find_idempotent_event(p_stream_type, p_stream_id, p_event_type, p_event_metadata);
  if v_existing is not null then
    return v_existing;
  end if;
  v_current := private.current_stream_version(p_stream_type, p_stream_id);
  if p_stream_version <> v_current + 1 then
    raise exception 'stream version conflict: %/% is at version %, so the next event is version %, not %',
      p_stream_type, p_stream_id, v_current, v_current + 1, p_stream_version
      using errcode = '23505',
            detail = format('requested_version=%s current_version=%s', p_stream_version, v_current),
            hint = 'read the stream again, re-decide, and retry with the new version';
  end if;
  return private.append_event(p_stream_id, p_stream_type, p_stream_version, p_event_type, p_event_data, p_event_metadata);
end
$$;

comment on function public.emit_domain_event(uuid, text, text, jsonb, jsonb) is
  'Appends an event at the next version of its stream; returns its id (or the earlier id for a repeated idempotency_key).';
comment on function public.emit_domain_event(uuid, text, integer, text, jsonb, jsonb) is
  'Appends an event at exactly p_stream_version or fails with 23505 "stream version conflict"; returns its id.';

revoke all on function public.emit_domain_event(uuid, text, text, jsonb, jsonb) from public, anon, authenticated;
revoke all on function public.emit_domain_event(uuid, text, integer, text, jsonb, jsonb) from public, anon, authenticated;
grant execute on function public.emit_domain_event(uuid, text, text, jsonb, jsonb) to service_role;
grant execute on function public.emit_domain_event(uuid, text, integer, text, jsonb, jsonb) to service_role;
