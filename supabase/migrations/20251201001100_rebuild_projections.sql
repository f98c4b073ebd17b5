-- rebuild_projections: empties both projections and replays every event into them, in
-- global_position order, through the same function the live trigger uses. Maintenance only
-- (service_role); one transaction, so readers see the old rows until the new ones are complete.
-- SHARE mode blocks new events for its duration (emits wait; nothing is missed or applied twice).

create function public.rebuild_projections() returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_event public.domain_events;
  v_events bigint := 0;
begin
  lock table public.domain_events in share mode;
  truncate public.invitations_projection, public.organizations_projection;
  for v_event in select * from public.domain_events order by global_position loop
    perform private.apply_domain_event(v_event);
    v_events := v_events + 1;
  end loop;
  return jsonb_build_object(
    'events', v_events,
    'organizations', (select count(*) from public.organizations_projection),
    'invitations', (select count(*) from public.invitations_projection));
end
$$;

comment on function public.rebuild_projections() is
  'Maintenance: truncates the projections and replays all events into them; returns counts.';

revoke all on function public.rebuild_projections() from public, anon, authenticated;
grant execute on function public.rebuild_projections() to service_role;
