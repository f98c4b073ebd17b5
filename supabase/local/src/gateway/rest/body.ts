import type { IncomingMessage } from "node:http";
import { BodyTooLargeError, readBody } from "../http-util.ts";
import { pgrstError, RestError } from "./errors.ts";

/** Request bodies above this are refused with 413 (a bootstrap request is well under 1 KiB). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

function tooLarge(): RestError {
  return new RestError(413, {
    code: null,
    message: "Payload Too Large",
    details: `request bodies are limited to ${BODY_LIMIT_BYTES} bytes`,
    hint: null,
  });
}

/** Reads and parses a JSON body; an empty body is `emptyAs` when given, else PGRST102 as in PostgREST. */
export async function readJsonBody(req: IncomingMessage, emptyAs?: unknown): Promise<unknown> {
  if (Number(req.headers["content-length"] ?? 0) > BODY_LIMIT_BYTES) throw tooLarge();
  let text: string;
  try {
    text = (await readBody(req, BODY_LIMIT_BYTES)).toString("utf8");
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw tooLarge();
    throw error;
  }
  if (text.trim() === "" && emptyAs !== undefined) return emptyAs;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw pgrstError(400, "PGRST102", "Empty or invalid json");
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
