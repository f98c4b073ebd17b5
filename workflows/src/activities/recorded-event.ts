import { ApplicationFailure } from "@temporalio/activity";
import { ZodError } from "zod";
import { toFieldIssues } from "@org-bootstrap/shared/bootstrap-request.ts";
import { FailureType } from "../workflows/failure-types.ts";

/** A recorded event no workflow can carry out (a writer that bypassed the functions): no retry fixes it. */
export function invalidRecordedEvent(what: string, error: unknown): ApplicationFailure {
  const problems = error instanceof ZodError ? toFieldIssues(error).map((issue) => `${issue.path} ${issue.message}`).join("; ") : String(error);
  return ApplicationFailure.create({ type: FailureType.InvalidInput, message: `${what}: ${problems}`, nonRetryable: true });
}
