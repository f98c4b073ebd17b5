-- Current state of each organization, derived only from its event stream (see project_domain_events).
-- Timestamps come from the events, never from now(), so rebuild_projections() reproduces rows exactly.

create table public.organizations_projection (
  id uuid primary key,                           -- = domain_events.stream_id of the organization stream
  name text not null,
  subdomain text not null,
  contact_email text not null,
  status text not null default 'provisioning',
  bootstrap_event_id uuid not null,              -- the organization.bootstrap.initiated event
  bootstrap_workflow_id text,
  bootstrap_run_id text,
  bootstrap_started_by text,
  subdomain_provisioned_at timestamptz,
  failure_reason text,
  compensated_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint organizations_projection_status_check check (status in ('provisioning', 'active', 'failed')),
  constraint organizations_projection_started_by_check check (bootstrap_started_by in ('edge', 'realtime', 'sweep')),
  constraint organizations_projection_name_check check (char_length(name) between 1 and 200 and name ~ '\S'),
  -- A DNS label; case is accepted here, uniqueness ignores it (writers are expected to lower-case).
  constraint organizations_projection_subdomain_check check (subdomain ~* '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  constraint organizations_projection_contact_email_check check (contact_email ~ '^[^@\s]+@[^@\s]+$'),
  constraint organizations_projection_compensated_only_when_failed check (compensated_at is null or status = 'failed')
);

-- One live organization per subdomain, case-insensitively. A failed bootstrap keeps its subdomain
-- until its compensation has undone the provisioning, then releases it for a new attempt.
create unique index organizations_projection_subdomain_key
  on public.organizations_projection (lower(subdomain)) where compensated_at is null;

comment on table public.organizations_projection is
  'Organizations, projected from domain_events by trigger. Read-only for every API role.';
comment on column public.organizations_projection.bootstrap_started_by is
  'Which path started the bootstrap workflow first: edge | realtime | sweep.';
comment on column public.organizations_projection.compensated_at is
  'Set when the failed bootstrap has been undone; the subdomain is free again from then on.';

alter table public.organizations_projection enable row level security;
revoke all on table public.organizations_projection from public, anon, authenticated, service_role;
grant select on table public.organizations_projection to authenticated, service_role;

-- The claim name and value are APP_ROLE_CLAIM and PLATFORM_ADMIN_ROLE in shared/src/stack-contract.ts.
create policy "platform admins read organizations"
  on public.organizations_projection for select to authenticated
  using ((select auth.jwt() ->> 'app_role') = 'platform_admin');
