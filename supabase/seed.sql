-- Demo data for a fresh local database (`supabase db reset` runs this file after the migrations).
-- Written through emit_domain_event like every other write, so validation and projections apply;
-- every event carries a `seed:` idempotency key, so running the file again changes nothing.
--
--   acme-demo    Acme Demo    active: both admins invited, one accepted
--   globex-demo  Globex Demo  failed at the invitation step, then compensated (subdomain released)
--
-- Remove one with `npm run db:cleanup -- --subdomain acme-demo`.

do $seed$
declare
  acme constant uuid := 'a0000000-0000-4000-8000-000000000001';
  globex constant uuid := 'a0000000-0000-4000-8000-000000000002';
  acme_ada constant uuid := 'b0000000-0000-4000-8000-000000000001';
  acme_bob constant uuid := 'b0000000-0000-4000-8000-000000000002';
  globex_hank constant uuid := 'b0000000-0000-4000-8000-000000000003';
  expires constant text := to_char(now() at time zone 'utc' + interval '7 days', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
  s record;
begin
  for s in
    select * from (values
    -- Acme: the whole successful bootstrap.
    (1, acme, 'organization.bootstrap.initiated', jsonb_build_object(
        'name', 'Acme Demo', 'subdomain', 'acme-demo', 'contactEmail', 'ops@acme-demo.test',
        'admins', jsonb_build_array(
          jsonb_build_object('email', 'ada@acme-demo.test', 'firstName', 'Ada', 'lastName', 'Lovelace'),
          jsonb_build_object('email', 'bob@acme-demo.test', 'firstName', 'Bob')))),
    (2, acme, 'organization.bootstrap.workflow_started', jsonb_build_object(
        'workflowId', 'org-bootstrap-' || acme, 'runId', 'seed-run-acme', 'startedBy', 'edge')),
    (3, acme, 'organization.created', '{}'::jsonb),
    (4, acme, 'organization.subdomain.provisioned', jsonb_build_object('subdomain', 'acme-demo', 'fqdn', 'acme-demo.localhost')),
    (5, acme, 'invitation.created', jsonb_build_object(
        'invitationId', acme_ada, 'email', 'ada@acme-demo.test', 'role', 'organization_admin',
        'tokenHash', encode(sha256(convert_to('seed-token-ada', 'UTF8')), 'hex'), 'expiresAt', expires, 'firstName', 'Ada')),
    (6, acme, 'invitation.created', jsonb_build_object(
        'invitationId', acme_bob, 'email', 'bob@acme-demo.test', 'role', 'organization_admin',
        'tokenHash', encode(sha256(convert_to('seed-token-bob', 'UTF8')), 'hex'), 'expiresAt', expires, 'firstName', 'Bob')),
    (7, acme, 'invitation.sent', jsonb_build_object('invitationId', acme_ada)),
    (8, acme, 'invitation.sent', jsonb_build_object('invitationId', acme_bob)),
    (9, acme, 'invitation.accepted', jsonb_build_object('invitationId', acme_ada)),
    (10, acme, 'organization.activated', '{}'::jsonb),
    -- Globex: fails for good at the invitation step, then every step is undone.
    (11, globex, 'organization.bootstrap.initiated', jsonb_build_object(
        'name', 'Globex Demo', 'subdomain', 'globex-demo', 'contactEmail', 'ops@globex-demo.test',
        'admins', jsonb_build_array(jsonb_build_object('email', 'hank@globex-demo.test', 'firstName', 'Hank')))),
    (12, globex, 'organization.bootstrap.workflow_started', jsonb_build_object(
        'workflowId', 'org-bootstrap-' || globex, 'runId', 'seed-run-globex', 'startedBy', 'sweep')),
    (13, globex, 'organization.created', '{}'::jsonb),
    (14, globex, 'organization.subdomain.provisioned', jsonb_build_object('subdomain', 'globex-demo')),
    (15, globex, 'invitation.created', jsonb_build_object(
        'invitationId', globex_hank, 'email', 'hank@globex-demo.test', 'role', 'organization_admin',
        'tokenHash', encode(sha256(convert_to('seed-token-hank', 'UTF8')), 'hex'), 'expiresAt', expires)),
    (16, globex, 'organization.bootstrap.failed', jsonb_build_object(
        'reason', 'the mail provider rejected the invitation (550 mailbox unavailable)', 'failedStep', 'sendInvitations')),
    (17, globex, 'invitation.revoked', jsonb_build_object('invitationId', globex_hank, 'reason', 'bootstrap failed')),
    (18, globex, 'organization.bootstrap.compensated', jsonb_build_object(
        'compensatedSteps', jsonb_build_array('revokeInvitations', 'deprovisionSubdomain')))
    ) as v (step, stream_id, event_type, event_data)
    order by v.step
  loop
    perform public.emit_domain_event(p_stream_id => s.stream_id, p_stream_type => 'organization',
      p_event_type => s.event_type, p_event_data => s.event_data,
      p_event_metadata => jsonb_build_object('idempotency_key', 'seed:' || s.step, 'source', 'seed'));
  end loop;
end
$seed$;
