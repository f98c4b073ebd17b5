-- Events are facts: UPDATE and TRUNCATE are rejected for every role, the table owner included
-- (privileges alone would not stop `postgres`). DELETE is allowed only inside the deliberate
-- maintenance path, public.maintenance_delete_organization(), which sets a transaction-local flag.
-- A GUC can be set by anyone who can run SQL, but API roles cannot run SQL (and service_role has no
-- DELETE privilege anyway); the flag exists so that a stray `delete from domain_events` by an operator
-- fails loudly instead of silently rewriting history.

create function private.maintenance_enabled() returns boolean
language sql stable
set search_path = ''
as $$
  select coalesce(current_setting('event_store.maintenance', true), '') = 'on'
$$;

create function private.reject_domain_event_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and private.maintenance_enabled() then
    return old;
  end if;
  raise exception 'domain_events is append-only: % is not allowed', tg_op
    using errcode = '42501',
          hint = 'events are never changed; to remove a test organization run `npm run db:cleanup -- --organization-id <uuid>`';
end
$$;

create trigger domain_events_append_only
  before update or delete on public.domain_events
  for each row execute function private.reject_domain_event_change();

create trigger domain_events_no_truncate
  before truncate on public.domain_events
  for each statement execute function private.reject_domain_event_change();
