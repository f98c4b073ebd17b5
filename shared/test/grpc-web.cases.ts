/**
 * The gRPC-web codec's cases, written once and run by both runtimes
 * (grpc-web.unit.test.ts under Node, grpc-web.unit.deno.test.ts under Deno) to prove the codec is
 * runtime-neutral. Only node:assert/strict, which Deno also provides.
 */
import assert from "node:assert/strict";
import { base64Encode } from "../src/grpc-web/base64.ts";
import { decodeFrames, encodeFrame, FrameError, FrameParser, TRAILERS_FLAG } from "../src/grpc-web/frame.ts";
import { decodeUnaryRequest, encodeUnaryRequest } from "../src/grpc-web/request.ts";
import { encodeGrpcWebBody, parseGrpcWebResponse, unaryResponseMessage } from "../src/grpc-web/response.ts";
import { GrpcError, GrpcStatus, isAlreadyExists, isDeadlineExceeded, isUnavailable, parseGrpcStatus } from "../src/grpc-web/status.ts";
import { encodeTrailerBlock, parseTrailerBlock, percentDecode, percentEncode } from "../src/grpc-web/trailers.ts";

export interface CodecCase {
  readonly name: string;
  readonly fn: () => void;
}

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (value: string) => new TextEncoder().encode(value);
const headers = (values: Record<string, string>) => (name: string) => values[name.toLowerCase()] ?? null;

export const codecCases: CodecCase[] = [
  {
    name: "a frame is a flag byte, a big-endian length and the payload, and decodes back",
    fn: () => {
      const payload = new Uint8Array(300).map((_, i) => i % 256);
      const frame = encodeFrame(payload);
      assert.deepEqual(Array.from(frame.subarray(0, 5)), [0x00, 0x00, 0x00, 0x01, 0x2c]);
      const [decoded, ...rest] = decodeFrames(frame);
      assert.equal(rest.length, 0);
      assert.equal(decoded?.kind, "data");
      assert.deepEqual(decoded?.payload, payload);
      assert.deepEqual(decodeUnaryRequest(encodeUnaryRequest(payload), 1024), payload);
    },
  },
  {
    name: "the parser yields the same frames however the bytes are split",
    fn: () => {
      const body = encodeGrpcWebBody([text("first"), new Uint8Array(0), text("third message")], { code: GrpcStatus.OK, message: "" });
      const whole = decodeFrames(body);
      assert.equal(whole.length, 4);
      for (const size of [1, 2, 3, 5, 7, 64]) {
        const parser = new FrameParser();
        const frames = [];
        for (let i = 0; i < body.length; i += size) frames.push(...parser.push(body.subarray(i, i + size)));
        parser.finish();
        assert.deepEqual(frames, whole, `chunks of ${size} bytes`);
      }
    },
  },
  {
    name: "a length prefix promising more bytes than arrive is rejected",
    fn: () => {
      const lying = bytes(0x00, 0x00, 0x00, 0x00, 0x10, 1, 2, 3);
      assert.throws(() => decodeFrames(lying), (error) => error instanceof FrameError && /says 16 bytes but only 3 arrived/.test(error.message));
      assert.throws(() => decodeFrames(bytes(0x00, 0x00, 0x00)), /truncated frame header/);
    },
  },
  {
    name: "a frame over the size limit is rejected from its header alone",
    fn: () => {
      const parser = new FrameParser(1024);
      // Only the 5-byte header of a claimed 4 GiB frame: refused before any payload is buffered.
      assert.throws(() => parser.push(bytes(0x00, 0xff, 0xff, 0xff, 0xff)), /exceeds the 1024-byte limit/);
      assert.throws(() => decodeUnaryRequest(encodeFrame(new Uint8Array(1025)), 1024), /exceeds the 1024-byte limit/);
    },
  },
  {
    name: "compressed frames, unknown flags, frames after trailers and multi-frame requests are rejected",
    fn: () => {
      assert.throws(() => decodeFrames(encodeFrame(text("x"), 0x01)), /compressed/);
      assert.throws(() => decodeFrames(encodeFrame(text("x"), 0x42)), /unknown frame flag 0x42/);
      const afterTrailers = encodeGrpcWebBody([], { code: GrpcStatus.OK, message: "" });
      assert.throws(() => decodeFrames(new Uint8Array([...afterTrailers, ...encodeFrame(text("x"))])), /follows the trailers/);
      const two = new Uint8Array([...encodeFrame(text("a")), ...encodeFrame(text("b"))]);
      assert.throws(() => decodeUnaryRequest(two, 1024), /exactly one frame, got 2/);
      assert.throws(() => decodeUnaryRequest(new Uint8Array(0), 1024), /exactly one frame, got 0/);
      assert.throws(() => decodeUnaryRequest(encodeFrame(text("grpc-status:0"), TRAILERS_FLAG), 1024), /trailers frame/);
    },
  },
  {
    name: "trailer blocks parse with case-insensitive names, CRLF or LF, and spaces after the colon",
    fn: () => {
      const trailers = parseTrailerBlock(text("Grpc-Status: 6\r\nGRPC-MESSAGE:already%20started\r\nx-extra:a\nx-extra:b\r\n"));
      assert.equal(trailers.get("grpc-status"), "6");
      assert.equal(trailers.get("grpc-message"), "already%20started");
      assert.equal(trailers.get("x-extra"), "a,b");
      assert.throws(() => parseTrailerBlock(text("no colon here\r\n")), FrameError);
      assert.equal(new TextDecoder().decode(encodeTrailerBlock([["grpc-status", "0"], ["grpc-message", "ok"]])), "grpc-status:0\r\ngrpc-message:ok\r\n");
      assert.throws(() => encodeTrailerBlock([["grpc-message", "two\r\nlines"]]), /line break/);
    },
  },
  {
    name: "grpc-message percent-encoding round-trips UTF-8 and leaves malformed escapes alone",
    fn: () => {
      const message = "Workflow execution already started: 100% sure — ✓ 🚀";
      const encoded = percentEncode(message);
      assert.match(encoded, /^[\x20-\x7e]*$/);
      assert.ok(encoded.includes("100%25 sure"));
      assert.equal(percentDecode(encoded), message);
      assert.equal(percentDecode("caf%C3%A9 %zz 50%"), "café %zz 50%");
      assert.equal(percentDecode("plain ✓ text"), "plain ✓ text");
    },
  },
  {
    name: "a response's trailers frame gives its status, percent-decoded",
    fn: () => {
      const body = new Uint8Array([
        ...encodeFrame(text("message")),
        ...encodeFrame(text("grpc-status:6\r\ngrpc-message:Workflow%20execution%20is%20already%20running.\r\n"), TRAILERS_FLAG),
      ]);
      const result = parseGrpcWebResponse({ httpStatus: 200, headers: headers({ "content-type": "application/grpc-web+proto" }), body });
      assert.equal(result.status.code, GrpcStatus.ALREADY_EXISTS);
      assert.equal(result.status.message, "Workflow execution is already running.");
      assert.deepEqual(result.messages, [text("message")]);
      assert.throws(
        () => unaryResponseMessage({ httpStatus: 200, headers: headers({ "content-type": "application/grpc-web+proto" }), body }),
        (error) => isAlreadyExists(error) && (error as GrpcError).details === "Workflow execution is already running.",
      );
    },
  },
  {
    name: "a trailers-only response takes its status from the HTTP headers, whatever the HTTP status",
    fn: () => {
      const details = bytes(8, 6);
      const response = {
        httpStatus: 401,
        headers: headers({ "grpc-status": "16", "grpc-message": "missing%20token", "grpc-status-details-bin": base64Encode(details).replace(/=+$/, "") }),
        body: new Uint8Array(0),
      };
      const { status, messages } = parseGrpcWebResponse(response);
      assert.deepEqual(messages, []);
      assert.equal(status.code, GrpcStatus.UNAUTHENTICATED);
      assert.equal(status.message, "missing token");
      assert.deepEqual(status.details, details);
    },
  },
  {
    name: "responses without a usable status map to errors, never to OK",
    fn: () => {
      const gateway = parseGrpcWebResponse({ httpStatus: 503, headers: headers({}), body: new Uint8Array(0) });
      assert.equal(gateway.status.code, GrpcStatus.UNAVAILABLE);
      const html = parseGrpcWebResponse({ httpStatus: 200, headers: headers({ "content-type": "text/html" }), body: text("<html>") });
      assert.equal(html.status.code, GrpcStatus.UNKNOWN);
      const noTrailers = parseGrpcWebResponse({ httpStatus: 200, headers: headers({ "content-type": "application/grpc-web+proto" }), body: encodeFrame(text("x")) });
      assert.equal(noTrailers.status.code, GrpcStatus.INTERNAL);
      const lying = parseGrpcWebResponse({ httpStatus: 200, headers: headers({ "content-type": "application/grpc-web" }), body: bytes(0, 0, 0, 0, 9) });
      assert.equal(lying.status.code, GrpcStatus.INTERNAL);
      assert.equal(parseGrpcStatus(undefined), GrpcStatus.UNKNOWN);
      assert.equal(parseGrpcStatus("99"), GrpcStatus.UNKNOWN);
      assert.equal(parseGrpcStatus("0x1"), GrpcStatus.UNKNOWN);
      assert.equal(parseGrpcStatus(" 14 "), GrpcStatus.UNAVAILABLE);
    },
  },
  {
    name: "GrpcError carries code, name and details, and the predicates test the code",
    fn: () => {
      const error = new GrpcError(GrpcStatus.UNAVAILABLE, "Temporal is unavailable");
      assert.equal(error.codeName, "UNAVAILABLE");
      assert.equal(error.message, "UNAVAILABLE (14): Temporal is unavailable");
      assert.ok(isUnavailable(error));
      assert.ok(!isDeadlineExceeded(error));
      assert.ok(isDeadlineExceeded(new GrpcError(GrpcStatus.DEADLINE_EXCEEDED, "slow")));
      assert.ok(!isAlreadyExists(new Error("ALREADY_EXISTS")));
    },
  },
];
