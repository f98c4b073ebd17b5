/**
 * readLimitedText: a body over the limit is refused with 413, and read to its end first when it is
 * not much larger (so the answer is not lost to a connection closed under a proxy still
 * uploading); a huge one is abandoned. No stack needed.
 */
import assert from "node:assert/strict";
import { DRAIN_LIMIT_BYTES, readLimitedText, UserError } from "./http.ts";

const CHUNK = 16 * 1024;

/** A request whose body is `total` bytes in 16 KiB chunks; reports how much was pulled and whether it was cancelled. */
function upload(total: number, declareLength: boolean) {
  const seen = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.pulled >= total) return controller.close();
      const size = Math.min(CHUNK, total - seen.pulled);
      seen.pulled += size;
      controller.enqueue(new Uint8Array(size).fill(120));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  const headers = declareLength ? { "content-length": String(total) } : undefined;
  return { request: new Request("http://localhost/", { method: "POST", body, headers }), seen };
}

async function refusedWith413(request: Request): Promise<void> {
  await assert.rejects(readLimitedText(request, 64 * 1024), (error: unknown) => error instanceof UserError && error.status === 413);
}

for (const declareLength of [false, true]) {
  const how = declareLength ? "with Content-Length" : "streamed";
  Deno.test(`a body somewhat over the limit (${how}) is refused 413 after being read to its end`, async () => {
    const { request, seen } = upload(300 * 1024, declareLength);
    await refusedWith413(request);
    assert.equal(seen.pulled, 300 * 1024);
    assert.equal(seen.cancelled, false);
  });

  Deno.test(`a body far over the limit (${how}) is refused 413 and abandoned, not read to its end`, async () => {
    const { request, seen } = upload(8 * DRAIN_LIMIT_BYTES, declareLength);
    await refusedWith413(request);
    assert.ok(seen.pulled <= DRAIN_LIMIT_BYTES + 2 * CHUNK, `read ${seen.pulled} bytes`);
    assert.equal(seen.cancelled, true);
  });
}

Deno.test("a body within the limit is returned whole", async () => {
  const { request } = upload(40 * 1024, false);
  assert.equal((await readLimitedText(request, 64 * 1024)).length, 40 * 1024);
});
