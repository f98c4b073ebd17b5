/** Content types of gRPC-web over binary protobuf; `-text` (base64) is not spoken here. */
export const GRPC_WEB_CONTENT_TYPE = "application/grpc-web+proto";
/** What an upstream gRPC (HTTP/2) server expects. */
export const GRPC_CONTENT_TYPE = "application/grpc";

/** True for `application/grpc-web` and `application/grpc-web+proto`, with or without parameters. */
export function isGrpcWebProto(contentType: string | null | undefined): boolean {
  const essence = contentType?.split(";")[0]?.trim().toLowerCase();
  return essence === "application/grpc-web" || essence === GRPC_WEB_CONTENT_TYPE;
}
