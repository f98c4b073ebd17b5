import { z } from "zod";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { functionBaseShape, parseFunctionConfig, resolveIssuer } from "../_shared/function-config.ts";

/**
 * The function's settings: the project's (functionBaseShape, the same secrets as organization-bootstrap)
 * and its own. A bad value stops the function at boot with one message naming every problem and its fix.
 */
export const configShape = {
  ...functionBaseShape,
  /** How long a request may wait for StartWorkflowExecution before answering 202 queued. */
  DEACTIVATE_START_BUDGET_MS: z.coerce.number().int().min(100).max(10_000).default(2000),
  /** The value of the `app_role` claim that may deactivate organizations. */
  DEACTIVATE_ADMIN_ROLE: z.string().min(1).default(PLATFORM_ADMIN_ROLE),
  /** Per caller: burst size and sustained requests per minute before 429. */
  DEACTIVATE_RATE_BURST: z.coerce.number().int().min(1).max(10_000).default(30),
  DEACTIVATE_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
};

const configSchema = z.object(configShape).transform(resolveIssuer);

export type DeactivateConfig = z.infer<typeof configSchema>;

export function loadConfig(env: Readonly<Record<string, string | undefined>>): DeactivateConfig {
  return parseFunctionConfig("organization-deactivate", configSchema, env);
}
