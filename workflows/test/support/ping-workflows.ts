/**
 * A worker bundle for the trigger suites: the product's workflows, plus the trivial workflow of a
 * test-only trigger (ping-trigger.ts). Nothing in workflows/src knows about it.
 */
export * from "../../src/workflows/index.ts";

/** Does nothing but answer with its input: the trigger machinery around it is what is under test. */
export async function testPingWorkflow(input: { streamId: string; eventId: string }): Promise<{ pinged: string }> {
  return { pinged: input.eventId };
}
