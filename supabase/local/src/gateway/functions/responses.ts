import type { ServerResponse } from "node:http";
import { sendJson } from "../http-util.ts";

/**
 * The gateway's own answers under /functions/v1, with the bodies Supabase returns, so a caller's
 * error handling is exercised against the real shapes:
 * - 401 from the verify_jwt check (Supabase docs, "Edge Function 401 error response");
 * - 404 for an unknown function (hosted platform);
 * - 503 BOOT_ERROR and 500 WORKER_ERROR as the Edge Runtime's main worker writes them
 *   (supabase/cli internal/functions/serve/templates/main.ts);
 * - 504 when the function is idle past the timeout, with the body of Kong's read timeout.
 */
export const functionErrors = {
  missingAuthorization: (res: ServerResponse) => sendJson(res, 401, { code: 401, message: "Missing authorization header" }),
  invalidJwt: (res: ServerResponse) => sendJson(res, 401, { code: 401, message: "Invalid JWT" }),
  notFound: (res: ServerResponse) => sendJson(res, 404, { code: "NOT_FOUND", message: "Requested function was not found" }),
  bootError: (res: ServerResponse) => sendJson(res, 503, { code: "BOOT_ERROR", message: "Worker failed to boot (please check logs)" }),
  workerError: (res: ServerResponse) => sendJson(res, 500, { code: "WORKER_ERROR", message: "Function exited due to an error (please check logs)" }),
  timeout: (res: ServerResponse) => sendJson(res, 504, { message: "The upstream server is timing out" }),
  tooLarge: (res: ServerResponse, limit: number) => sendJson(res, 413, { code: 413, message: `Request body exceeds ${limit} bytes` }),
  shuttingDown: (res: ServerResponse) => sendJson(res, 503, { code: "SHUTTING_DOWN", message: "The local stack is stopping" }),
};
