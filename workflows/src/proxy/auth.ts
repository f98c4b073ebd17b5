import crypto from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

const digest = (value: string) => crypto.createHash("sha256").update(value, "utf8").digest();

/**
 * True when the request carries `Authorization: Bearer <token>`. Comparing SHA-256
 * digests keeps timingSafeEqual's inputs the same length, so neither the token's content
 * nor its length leaks through timing.
 */
export function createTokenCheck(token: string): (headers: IncomingHttpHeaders) => boolean {
  const expected = digest(token);
  return (headers) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? "");
    return crypto.timingSafeEqual(digest(match?.[1] ?? ""), expected);
  };
}
