/** The event store's shared vocabulary: names, payload schemas, row schemas, error codes. */
export * from "./event-types.ts";
export * from "./payloads.ts";
export * from "./metadata.ts";
export * from "./domain-event.ts";
export * from "./projections.ts";
export * from "./sql-errors.ts";
