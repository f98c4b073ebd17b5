/**
 * organization-bootstrap: records `organization.bootstrap.initiated` and starts the workflow
 * `org-bootstrap-{organizationId}` over gRPC-web through the Temporal proxy, in one request.
 * JWTs are verified here against the project's keys (verify_jwt = false in config.toml, as
 * Supabase advises for asymmetric signing keys).
 */
import { buildHandler } from "./app.ts";
import { jsonLog } from "../_shared/log.ts";

Deno.serve(buildHandler(Deno.env.toObject(), jsonLog));
