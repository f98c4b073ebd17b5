/** The REST gateway's memo of verified JWTs must never outlive a token's expiry. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadSigningKeys } from "../src/auth/keys.ts";
import { withVerifiedTokenCache } from "../src/gateway/token-cache.ts";

test("a cached token is refused once it expires, with jose's expiry error", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rest-token-cache-"));
  try {
    const keys = await loadSigningKeys(dir, "http://issuer.test");
    const cached = withVerifiedTokenCache(keys);
    const token = await keys.sign({ role: "authenticated", sub: "u1" }, 2);
    assert.equal((await cached.verify(token)).sub, "u1");
    assert.equal((await cached.verify(token)).sub, "u1", "served again while valid");

    // Poll (no fixed sleep) until the two-second token lapses; the cache must then refuse it.
    const deadline = Date.now() + 5000;
    let error: unknown;
    while (Date.now() < deadline && error === undefined) {
      await cached.verify(token).catch((e: unknown) => (error = e));
      if (error === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal((error as { code?: string } | undefined)?.code, "ERR_JWT_EXPIRED");

    await assert.rejects(cached.verify(`${token.slice(0, -4)}AAAA`), "a forged signature is never served from the cache");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
