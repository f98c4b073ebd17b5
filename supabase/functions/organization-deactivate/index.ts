/**
 * organization-deactivate: records `organization.deactivation.requested` and starts the workflow
 * `org-deactivate-{organizationId}` over gRPC-web through the Temporal proxy, in one request. The
 * same trigger declaration (shared/src/triggers/) drives the reconciler, which starts it otherwise.
 */
import { buildHandler } from "./app.ts";
import { jsonLog } from "../_shared/log.ts";

Deno.serve(buildHandler(Deno.env.toObject(), jsonLog));
