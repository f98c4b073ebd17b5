-- Event-triggered workflows, declared: which recorded event types start a workflow, and which of their
-- events still have none. The TypeScript declarations are in shared/src/triggers/ (WORKFLOW_TRIGGERS);
-- supabase/tests checks that this registry holds exactly their event types. Adding a trigger is one
-- insert here, by migration.
--
-- private.events_awaiting_workflow holds exactly the trigger events whose workflow_started record has
-- not landed: an AFTER INSERT trigger on domain_events adds each event of a registered type and removes
-- it when its started event is written, in the same transaction. It is filled whoever writes the event
-- (an edge function, an activity, a SQL trigger, a person with psql), and it holds only pending rows,
-- so the sweep's query costs O(pending) however long the history.

create table private.workflow_triggers (
  event_type text primary key,
  stream_type text not null,
  -- Written once the event's workflow exists, on the same stream, with causation_id = the event's id.
  started_event_type text not null unique,
  -- The `trigger` label of the worker's metrics and logs.
  name text not null unique,
  constraint workflow_triggers_distinct_types check (started_event_type <> event_type)
);

comment on table private.workflow_triggers is
  'Event types that start a workflow (shared/src/triggers/ declares the same ones). Filled by migration.';

insert into private.workflow_triggers (event_type, stream_type, started_event_type, name) values
  ('organization.bootstrap.initiated', 'organization', 'organization.bootstrap.workflow_started', 'organization-bootstrap'),
  ('organization.deactivation.requested', 'organization', 'organization.deactivation.workflow_started', 'organization-deactivate');

-- No foreign key to domain_events: one would change how the append-only table refuses TRUNCATE
-- (0A000 before the append-only trigger's 42501); the maintenance delete is mirrored by the
-- AFTER DELETE trigger below instead.
create table private.events_awaiting_workflow (
  event_id uuid primary key,
  -- Deleting a trigger from the registry forgets its pending events.
  event_type text not null references private.workflow_triggers (event_type) on delete cascade,
  stream_type text not null,
  stream_id uuid not null,
  created_at timestamptz not null
);

create index events_awaiting_workflow_created_at_idx on private.events_awaiting_workflow (created_at, event_id);
create index events_awaiting_workflow_stream_idx on private.events_awaiting_workflow (stream_type, stream_id, event_type);

comment on table private.events_awaiting_workflow is
  'Trigger events without their workflow_started event yet (maintained by trigger on domain_events).';

-- A started event names the event it is for in causation_id (a UUID); one without it (a person, an
-- older writer) stands for every pending event of its trigger on its stream.
create function private.track_events_awaiting_workflow() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_trigger private.workflow_triggers;
  v_causation text := new.event_metadata ->> 'causation_id';
begin
  select t.* into v_trigger from private.workflow_triggers t
  where t.event_type = new.event_type and t.stream_type = new.stream_type;
  if found then
    insert into private.events_awaiting_workflow (event_id, event_type, stream_type, stream_id, created_at)
    values (new.id, new.event_type, new.stream_type, new.stream_id, new.created_at);
    return null;
  end if;

  select t.* into v_trigger from private.workflow_triggers t
  where t.started_event_type = new.event_type and t.stream_type = new.stream_type;
  if not found then
    return null;
  end if;
  if v_causation ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    delete from private.events_awaiting_workflow a
    where a.event_id = v_causation::uuid and a.event_type = v_trigger.event_type and a.stream_id = new.stream_id;
  else
    delete from private.events_awaiting_workflow a
    where a.stream_type = new.stream_type and a.stream_id = new.stream_id and a.event_type = v_trigger.event_type;
  end if;
  return null;
end
$$;

revoke all on function private.track_events_awaiting_workflow() from public;

create trigger domain_events_track_awaiting_workflow
  after insert on public.domain_events
  for each row execute function private.track_events_awaiting_workflow();

-- The maintenance path (the only DELETE domain_events allows) takes deleted events out of the pending set.
create function private.forget_deleted_awaiting_workflow() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from private.events_awaiting_workflow a where a.event_id = old.id;
  return null;
end
$$;

revoke all on function private.forget_deleted_awaiting_workflow() from public;

create trigger domain_events_forget_deleted_awaiting_workflow
  after delete on public.domain_events
  for each row execute function private.forget_deleted_awaiting_workflow();

-- Events written before this migration: every trigger event with no started event caused by it (or,
-- for a started event without causation, on its stream).
insert into private.events_awaiting_workflow (event_id, event_type, stream_type, stream_id, created_at)
select e.id, e.event_type, e.stream_type, e.stream_id, e.created_at
from public.domain_events e
join private.workflow_triggers t on t.event_type = e.event_type and t.stream_type = e.stream_type
where not exists (
  select 1 from public.domain_events s
  where s.stream_type = e.stream_type and s.stream_id = e.stream_id and s.event_type = t.started_event_type
    and (s.event_metadata ->> 'causation_id' is null
         or s.event_metadata ->> 'causation_id' !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
         or lower(s.event_metadata ->> 'causation_id') = e.id::text));

-- The sweep's query: trigger events older than p_older_than that have no workflow yet, oldest first,
-- with their registry name (the reconciler serves every registered trigger it has a declaration for).
create function public.pending_trigger_events(
  p_older_than interval default interval '0 seconds',
  p_limit integer default 100
) returns setof public.domain_events
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_older_than is null or p_older_than < interval '0 seconds' then
    raise exception 'p_older_than must be a non-negative interval' using errcode = '22023';
  end if;
  if p_limit is null or p_limit not between 1 and 10000 then
    raise exception 'p_limit must be between 1 and 10000' using errcode = '22023';
  end if;
  return query
    select e.*
    from private.events_awaiting_workflow a
    join public.domain_events e on e.id = a.event_id
    where a.created_at <= now() - p_older_than
    order by a.created_at, a.event_id
    limit p_limit;
end
$$;

comment on function public.pending_trigger_events(interval, integer) is
  'Trigger events of every registered type with no workflow_started event yet, older than p_older_than, oldest first (the reconciler sweep).';

revoke all on function public.pending_trigger_events(interval, integer) from public, anon, authenticated;
grant execute on function public.pending_trigger_events(interval, integer) to service_role;

-- What the registry holds, for the worker's startup check and the registry test (service_role only).
create function public.workflow_trigger_registry()
returns table (event_type text, stream_type text, started_event_type text, name text)
language sql
stable
security definer
set search_path = ''
as $$
  select t.event_type, t.stream_type, t.started_event_type, t.name from private.workflow_triggers t order by t.event_type
$$;

revoke all on function public.workflow_trigger_registry() from public, anon, authenticated;
grant execute on function public.workflow_trigger_registry() to service_role;
