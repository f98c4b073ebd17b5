/** Event-triggered workflows as declarations: what starts what, and the one start-request builder. */
export * from "./workflow-trigger.ts";
export * from "./organization-triggers.ts";
export * from "./registry.ts";
export * from "./started-event.ts";
