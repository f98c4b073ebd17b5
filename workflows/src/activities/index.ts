import { deactivationActivities } from "./deactivation.ts";
import type { ActivityDeps } from "./deps.ts";
import { invitationActivities } from "./invitations.ts";
import { organizationActivities } from "./organization.ts";

export type { ActivityDeps } from "./deps.ts";

/**
 * The organization workflows' activities (bootstrap and deactivation), bound to their dependencies;
 * workflows see only `typeof` this.
 */
export function createActivities(deps: ActivityDeps) {
  return { ...organizationActivities(deps), ...invitationActivities(deps), ...deactivationActivities(deps) };
}

export type BootstrapActivities = ReturnType<typeof createActivities>;
