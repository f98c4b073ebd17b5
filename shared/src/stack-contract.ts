/**
 * Names shared by the local stack, the edge function and the worker that are
 * part of the product's contract with Supabase and Temporal.
 * One source of truth: Deno and Node both import this file.
 */

/** JWT claim carrying the application role of a user (set by an Auth hook on a real project). */
export const APP_ROLE_CLAIM = "app_role";

/** The application role allowed to bootstrap organizations and read projections. */
export const PLATFORM_ADMIN_ROLE = "platform_admin";

/** Custom search attributes the bootstrap workflow sets; registered on the Temporal namespace. */
export const SEARCH_ATTRIBUTES = {
  OrganizationId: "Keyword",
  Subdomain: "Keyword",
  StartedBy: "Keyword",
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
