import { test } from "node:test";
import { codecCases } from "./grpc-web.cases.ts";

for (const { name, fn } of codecCases) test(name, fn);
