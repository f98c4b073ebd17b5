/**
 * The gRPC-web trailer block (the payload of a 0x80 frame): HTTP/1-style `name:value` lines
 * separated by CRLF. Names are case-insensitive and are lower-cased here. `grpc-message`
 * is percent-encoded on the wire (grpc/grpc doc/PROTOCOL-HTTP2.md).
 */
import { FrameError } from "./frame.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export type Trailers = ReadonlyMap<string, string>;

export function parseTrailerBlock(payload: Uint8Array): Map<string, string> {
  const trailers = new Map<string, string>();
  for (const line of decoder.decode(payload).split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new FrameError(`malformed trailer line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    // Repeated names are joined as HTTP does for headers.
    trailers.set(name, trailers.has(name) ? `${trailers.get(name)},${value}` : value);
  }
  return trailers;
}

/** Values must already be wire-safe (use `percentEncode` for `grpc-message`). */
export function encodeTrailerBlock(trailers: Iterable<readonly [string, string]>): Uint8Array {
  let text = "";
  for (const [name, value] of trailers) {
    if (!/^[a-z0-9-_.]+$/i.test(name)) throw new TypeError(`invalid trailer name ${JSON.stringify(name)}`);
    if (/[\r\n]/.test(value)) throw new TypeError(`trailer ${name} contains a line break`);
    text += `${name.toLowerCase()}:${value}\r\n`;
  }
  return encoder.encode(text);
}

const HEX = "0123456789ABCDEF";

/** Percent-encodes a `grpc-message`: every byte of its UTF-8 outside 0x20–0x7E, and `%` itself. */
export function percentEncode(message: string): string {
  let out = "";
  for (const byte of encoder.encode(message)) {
    if (byte >= 0x20 && byte <= 0x7e && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${HEX[byte >> 4]}${HEX[byte & 0x0f]}`;
  }
  return out;
}

/**
 * Decodes a `grpc-message`. As the spec asks, a malformed `%` sequence is kept as-is rather
 * than failing the call; invalid UTF-8 becomes U+FFFD.
 */
export function percentDecode(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x25 && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (code < 0x80) {
      bytes.push(code);
    } else {
      const char = String.fromCodePoint(value.codePointAt(i)!);
      bytes.push(...encoder.encode(char));
      i += char.length - 1;
    }
  }
  return decoder.decode(new Uint8Array(bytes));
}
