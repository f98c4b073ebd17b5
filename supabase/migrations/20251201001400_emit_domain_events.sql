-- emit_domain_events: many events in one call and one transaction, each written exactly as the
-- stream-based emit_domain_event writes it (next version, idempotency key honoured), each with its own
-- outcome row.
--
-- Why: the reconciler records one workflow_started per workflow it starts. Draining a backlog of
-- 10,000 made that 10,000 REST round trips and 10,000 commits competing with Temporal for the same
-- cores; the starts of one moment are now recorded in one call.
--
-- p_events is a JSON array whose elements carry the stream-based emit_domain_event's named arguments
-- (p_stream_id, p_stream_type, p_event_type, p_event_data, p_event_metadata), so one builder
-- (emitArgs in shared/) serves both. Any other key is refused for its element, as PostgREST refuses an
-- unknown argument name: a misspelt p_event_metadata would otherwise drop the idempotency key, and
-- p_stream_version (optimistic concurrency) belongs to the single-event overload.
--
-- Each element runs in a subtransaction of its own: one that fails (a bad payload, a taken subdomain,
-- a reused idempotency key, a deadlock) comes back as its row's error_code and error_message, its
-- writes undone, and the others are still written. At most 64 elements per call: a transaction with
-- more subtransactions than a backend caches (64) slows every snapshot in the cluster while it is open.
-- Elements are taken in stream order, so concurrent batches take their stream locks in one order
-- (other locks, such as the subdomain's, can still meet in a deadlock: Postgres then fails one element
-- with 40P01 and the caller retries it).
--
-- SECURITY INVOKER: the caller needs EXECUTE on emit_domain_event itself (service_role has it), so
-- this function can never write what its caller could not write one event at a time.

create function public.emit_domain_events(p_events jsonb)
returns table (ordinal integer, event_id uuid, error_code text, error_message text)
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_item record;
  v_unknown text;
begin
  if p_events is null or pg_catalog.jsonb_typeof(p_events) <> 'array' then
    raise exception 'p_events must be a JSON array of emit_domain_event arguments' using errcode = '22023';
  end if;
  if pg_catalog.jsonb_array_length(p_events) > 64 then
    raise exception 'at most 64 events per call, not %', pg_catalog.jsonb_array_length(p_events)
      using errcode = '54000', hint = 'split the batch';
  end if;
  for v_item in
    select e.value, e.ord::integer as ord
    from pg_catalog.jsonb_array_elements(p_events) with ordinality as e(value, ord)
    order by e.value ->> 'p_stream_type', pg_catalog.lower(e.value ->> 'p_stream_id'), e.ord
  loop
    ordinal := v_item.ord;
    begin
      if pg_catalog.jsonb_typeof(v_item.value) <> 'object' then
        raise exception 'each element must be an object of emit_domain_event arguments' using errcode = '22023';
      end if;
      select pg_catalog.string_agg(k, ', ' order by k) into v_unknown
      from pg_catalog.jsonb_object_keys(v_item.value) as k
      where k not in ('p_stream_id', 'p_stream_type', 'p_event_type', 'p_event_data', 'p_event_metadata');
      if v_unknown is not null then
        raise exception 'unknown argument(s) for emit_domain_events: %', v_unknown using errcode = '22023',
          hint = 'elements take p_stream_id, p_stream_type, p_event_type, p_event_data and p_event_metadata; for p_stream_version call emit_domain_event';
      end if;
      event_id := public.emit_domain_event(
        p_stream_id => (v_item.value ->> 'p_stream_id')::uuid,
        p_stream_type => v_item.value ->> 'p_stream_type',
        p_event_type => v_item.value ->> 'p_event_type',
        p_event_data => v_item.value -> 'p_event_data',
        p_event_metadata => coalesce(v_item.value -> 'p_event_metadata', '{}'::jsonb));
      error_code := null;
      error_message := null;
    exception when others then
      event_id := null;
      error_code := sqlstate;
      error_message := sqlerrm;
    end;
    return next;
  end loop;
end
$$;

comment on function public.emit_domain_events(jsonb) is
  'Appends each element of p_events as emit_domain_event (stream-based) would, in one transaction; one row per element with its event id or its error.';

revoke all on function public.emit_domain_events(jsonb) from public, anon, authenticated;
grant execute on function public.emit_domain_events(jsonb) to service_role;
