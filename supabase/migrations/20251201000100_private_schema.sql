-- Internals of the event store (payload contract, ordering, projections, locking) live in `private`.
-- The Data API exposes only `public`, and no API role gets USAGE here, so anon, authenticated and
-- service_role can reach these functions only through the few SECURITY DEFINER entry points in public.
create schema if not exists private;
revoke all on schema private from public;
alter default privileges in schema private revoke execute on functions from public;

comment on schema private is 'Event store internals; not exposed by the Data API.';
