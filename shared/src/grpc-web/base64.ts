/** Base64 for `-bin` metadata values, with atob/btoa so it runs unchanged on Deno and Node. */

export function base64Encode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** `-bin` values may be sent unpadded (grpc/grpc doc/PROTOCOL-HTTP2.md). */
export function base64Decode(text: string): Uint8Array {
  const trimmed = text.trim();
  const padded = trimmed + "=".repeat((4 - (trimmed.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
