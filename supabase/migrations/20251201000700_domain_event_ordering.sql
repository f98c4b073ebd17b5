-- global_position: the order rebuild_projections() replays events in.
--
-- Why a trigger and not a column default: a default is evaluated before any lock is taken, so two
-- transactions can receive positions in the opposite order of their commits. For events inside one
-- stream that is harmless (emit_domain_event serializes a stream, and stream_version orders it). The one
-- rule that spans streams is "a subdomain is held by one live organization": when organization A's
-- bootstrap is compensated (releasing `acme`) and organization B's bootstrap takes `acme`, replay must
-- see A's release before B's claim. So events that claim or release a subdomain first take an advisory
-- lock on that subdomain, and only then draw their position: claim and release of one subdomain are
-- thereby serialized, and their positions follow their commit order.
-- Like the per-stream lock in emit_domain_event, the lock is held until commit, and one transaction
-- can hold only about max_locks_per_transaction × max_connections locks: a bulk load of more than a
-- few thousand bootstraps must commit in batches ("out of shared memory" otherwise).

create function private.lock_subdomain(p_subdomain text) returns void
language sql
set search_path = ''
as $$
  select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('organizations.subdomain:' || lower(p_subdomain), 0))
$$;

create function private.assign_global_position() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_subdomain text;
begin
  if new.event_type = 'organization.bootstrap.initiated' then
    v_subdomain := new.event_data ->> 'subdomain';
  elsif new.event_type = 'organization.bootstrap.compensated' then
    select o.subdomain into v_subdomain from public.organizations_projection o where o.id = new.stream_id;
  end if;
  if v_subdomain is not null then
    perform private.lock_subdomain(v_subdomain);
  end if;
  new.global_position := nextval('public.domain_events_global_position_seq');
  return new;
end
$$;

create trigger domain_events_2_assign_global_position
  before insert on public.domain_events
  for each row execute function private.assign_global_position();
