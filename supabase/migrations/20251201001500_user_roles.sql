-- Application roles of users, and the custom access token hook that puts a user's role into every
-- access token Supabase Auth issues, as Supabase's guide "Custom Claims & Role-based Access Control"
-- does it. The claim name (app_role) and the role value (platform_admin) are APP_ROLE_CLAIM and
-- PLATFORM_ADMIN_ROLE in shared/src/stack-contract.ts; supabase/local/test/user-roles.test.ts fails
-- if this file and that one disagree.
--
-- Enabled by [auth.hook.custom_access_token] in supabase/config.toml (and, on a hosted project, in
-- the dashboard under Authentication → Hooks). Roles are granted and revoked with
-- `npm run admin:grant` / `npm run admin:revoke`; a change reaches a user's claims at their next
-- sign-in or token refresh (tokens already issued keep their claims until they expire).

-- Declared from the most privileged to the least: a user with several roles gets the first (see the hook).
create type public.app_role as enum ('platform_admin');

create table public.user_roles (
  user_id uuid not null references auth.users on delete cascade,
  role public.app_role not null,
  created_at timestamptz not null default now(),
  primary key (user_id, role)
);
comment on table public.user_roles is
  'Application roles of each user. Read by the custom access token hook; written only through a database connection (npm run admin:grant).';

-- Nobody reaches this table through the API, not even service_role: roles change only through a
-- direct database connection, so no leaked API key can make anyone a platform admin. Supabase's
-- default privileges grant every new table to the API roles; RLS on, and every grant revoked.
alter table public.user_roles enable row level security;
revoke all on table public.user_roles from public, anon, authenticated, service_role;

-- Supabase Auth runs the hook as supabase_auth_admin: it may read the roles, and nothing else.
grant usage on schema public to supabase_auth_admin;
grant select on table public.user_roles to supabase_auth_admin;
create policy "supabase_auth_admin reads user roles"
  on public.user_roles for select to supabase_auth_admin
  using (true);

-- Receives {user_id, claims, authentication_method, metadata} and returns the event with `claims`
-- carrying app_role = the user's role. A user without a role gets no app_role claim at all (not
-- null): a missing claim is what every check treats as "no role", and it cannot be confused with a
-- role. Supabase Auth then checks the required claims are still there and signs the result.
create function public.custom_access_token_hook(event jsonb)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  claims jsonb := coalesce(event -> 'claims', '{}'::jsonb);
  user_role public.app_role;
begin
  select r.role into user_role
  from public.user_roles r
  where r.user_id = (event ->> 'user_id')::uuid
  order by r.role
  limit 1;

  if user_role is null then
    claims := claims - 'app_role';
  else
    claims := jsonb_set(claims, '{app_role}', to_jsonb(user_role::text));
  end if;
  return jsonb_set(event, '{claims}', claims);
end;
$$;
comment on function public.custom_access_token_hook(jsonb) is
  'Supabase Auth custom access token hook: adds the user''s app_role claim (absent when the user has no role).';

-- Only Supabase Auth may run it. Functions are executable by PUBLIC by default, and Supabase's
-- default privileges also grant them to anon, authenticated and service_role: revoke all four.
revoke execute on function public.custom_access_token_hook(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin;
