import { deactivationActivities, type BootstrapRunOpen } from "./deactivation.ts";
import type { ActivityDeps } from "./deps.ts";
import { invitationActivities } from "./invitations.ts";
import { organizationActivities } from "./organization.ts";

export type { ActivityDeps } from "./deps.ts";

/**
 * The organization workflows' activities (bootstrap and deactivation), bound to their dependencies;
 * workflows see only `typeof` this. `bootstrapRunOpen` defaults to the worker's Temporal connection.
 */
export function createActivities(deps: ActivityDeps, bootstrapRunOpen?: BootstrapRunOpen) {
  return { ...organizationActivities(deps), ...invitationActivities(deps), ...deactivationActivities(deps, bootstrapRunOpen) };
}

export type BootstrapActivities = ReturnType<typeof createActivities>;
