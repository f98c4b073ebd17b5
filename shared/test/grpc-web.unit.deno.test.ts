// The same cases as grpc-web.test.ts, run by Deno: the codec has no Node or Deno APIs.
import { codecCases } from "./grpc-web.cases.ts";

for (const { name, fn } of codecCases) Deno.test(name, fn);
