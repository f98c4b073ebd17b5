import { z } from "zod";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { ConfigError, functionBaseShape, parseFunctionConfig, resolveIssuer } from "../_shared/function-config.ts";

export { ConfigError };

/**
 * The function's settings: the project's (functionBaseShape) and its own. A bad value stops the
 * function at boot with one message naming every problem and its fix.
 */
export const configShape = {
  ...functionBaseShape,
  /** How long a request may wait for StartWorkflowExecution before answering 202 queued. */
  BOOTSTRAP_START_BUDGET_MS: z.coerce.number().int().min(100).max(10_000).default(2000),
  /** The value of the `app_role` claim that may bootstrap organizations. */
  BOOTSTRAP_ADMIN_ROLE: z.string().min(1).default(PLATFORM_ADMIN_ROLE),
  /** Per caller: burst size and sustained requests per minute before 429, for POST (bootstraps). */
  BOOTSTRAP_RATE_BURST: z.coerce.number().int().min(1).max(10_000).default(30),
  BOOTSTRAP_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  /**
   * The same for GET (status reads), in a bucket of their own: a frontend polls, so it is more
   * generous, and a caller polling hard never uses up its bootstraps (nor the reverse).
   */
  BOOTSTRAP_STATUS_RATE_BURST: z.coerce.number().int().min(1).max(10_000).default(60),
  BOOTSTRAP_STATUS_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(300),
};

const configSchema = z.object(configShape).transform(resolveIssuer);

export type BootstrapConfig = z.infer<typeof configSchema>;

export function loadConfig(env: Readonly<Record<string, string | undefined>>): BootstrapConfig {
  return parseFunctionConfig("organization-bootstrap", configSchema, env);
}
