-- emit_domain_events: many events in one call and one transaction, each written exactly as the
-- stream-based emit_domain_event writes it (next version, idempotency key honoured), each with its own
-- outcome row.
--
-- Why: the reconciler records one workflow_started per workflow it starts. Draining a backlog of
-- 10,000 made that 10,000 REST round trips and 10,000 commits competing with Temporal for the same
-- cores; the starts of one moment are now recorded in one call.
--
-- p_events is a JSON array whose elements carry emit_domain_event's named arguments
-- (p_stream_id, p_stream_type, p_event_type, p_event_data, p_event_metadata), so one builder
-- (emitArgs in shared/) serves both. Each element runs in a subtransaction of its own: one that
-- fails (a bad payload, a reused idempotency key, a deadlock) comes back as its row's error_code and
-- error_message and the others are still written. Elements are taken in stream order, so concurrent
-- batches take their streams' advisory locks in one order and cannot deadlock each other.

create function public.emit_domain_events(p_events jsonb)
returns table (ordinal integer, event_id uuid, error_code text, error_message text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_item record;
begin
  if p_events is null or pg_catalog.jsonb_typeof(p_events) <> 'array' then
    raise exception 'p_events must be a JSON array of emit_domain_event arguments' using errcode = '22023';
  end if;
  if pg_catalog.jsonb_array_length(p_events) > 1000 then
    raise exception 'at most 1000 events per call, not %', pg_catalog.jsonb_array_length(p_events)
      using errcode = '54000', hint = 'split the batch';
  end if;
  for v_item in
    select e.value, e.ord::integer as ord
    from pg_catalog.jsonb_array_elements(p_events) with ordinality as e(value, ord)
    order by e.value ->> 'p_stream_type', e.value ->> 'p_stream_id', e.ord
  loop
    ordinal := v_item.ord;
    begin
      if pg_catalog.jsonb_typeof(v_item.value) <> 'object' then
        raise exception 'each element must be an object of emit_domain_event arguments' using errcode = '22023';
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
