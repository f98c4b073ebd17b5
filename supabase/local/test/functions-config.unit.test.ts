/** The functions runtime's inputs: config.toml's [functions.*] and supabase/functions/.env. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { StackError } from "../src/errors.ts";
import { parseFunctionsConfig, readFunctionsConfig } from "../src/gateway/functions/config.ts";
import { DotenvError, loadFunctionSecrets, parseDotenv } from "../src/gateway/functions/dotenv.ts";
import { CONFIG_TOML } from "../src/paths.ts";

describe("functions config.toml", () => {
  test("the project's config.toml: stack-check verifies JWTs at the gateway, the product functions verify them themselves", () => {
    const settingsFor = readFunctionsConfig(CONFIG_TOML);
    assert.deepEqual(settingsFor("stack-check"), { verifyJwt: true, enabled: true });
    assert.deepEqual(settingsFor("organization-bootstrap"), { verifyJwt: false, enabled: true });
    assert.deepEqual(settingsFor("organization-deactivate"), { verifyJwt: false, enabled: true });
  });

  test("a function without a section, or a file without [functions], gets the Supabase CLI defaults", () => {
    assert.deepEqual(parseFunctionsConfig('project_id = "x"\n', "t.toml")("anything"), { verifyJwt: true, enabled: true });
    assert.deepEqual(readFunctionsConfig(path.join(os.tmpdir(), "no-such-config.toml"))("anything"), { verifyJwt: true, enabled: true });
  });

  test("every problem in [functions] is reported at once, one per line", () => {
    const text = ['[functions.a]', 'verify_jwt = "no"', '[functions.b]', 'import_map = "./x.json"', 'verfy_jwt = false'].join("\n");
    assert.throws(
      () => parseFunctionsConfig(text, "config.toml"),
      (error: unknown) => {
        assert.ok(error instanceof StackError);
        assert.match(error.message, /3 problem\(s\)/);
        assert.match(error.message, /\[functions\.a\] verify_jwt must be true or false, got "no"/);
        assert.match(error.message, /\[functions\.b\] import_map is not supported by the local stack/);
        assert.match(error.message, /\[functions\.b\] has an unknown setting verfy_jwt/);
        return true;
      },
    );
  });

  test("invalid TOML names the file, line and column", () => {
    assert.throws(() => parseFunctionsConfig("[functions.a]\nverify_jwt = \n", "config.toml"), (error: unknown) => {
      assert.ok(error instanceof StackError);
      assert.match(error.message, /^config\.toml:2:\d+: /);
      return true;
    });
  });
});

describe("functions .env", () => {
  test("parses the dotenv forms the Supabase CLI accepts", () => {
    const text = [
      "# comment",
      "",
      "PLAIN=value",
      "export EXPORTED=yes",
      "SPACED = padded value  # trailing comment",
      "HASH_INSIDE=a#b",
      "SINGLE='literal \\n $HOME'",
      'DOUBLE="tab\\tnewline\\nquote\\" end" # comment',
      'MULTI="line one',
      'line two"',
      "EMPTY=",
    ].join("\r\n");
    assert.deepEqual(Object.fromEntries(parseDotenv(text)), {
      PLAIN: "value",
      EXPORTED: "yes",
      SPACED: "padded value",
      HASH_INSIDE: "a#b",
      SINGLE: "literal \\n $HOME",
      DOUBLE: 'tab\tnewline\nquote" end',
      MULTI: "line one\nline two",
      EMPTY: "",
    });
  });

  test("a malformed line is an error naming the file and line", () => {
    assert.throws(() => parseDotenv("OK=1\nnot a pair\n", "functions/.env"), (error: unknown) => {
      assert.ok(error instanceof DotenvError);
      assert.match(error.message, /^functions\/\.env line 2: expected NAME=value/);
      return true;
    });
    assert.throws(() => parseDotenv('A="never closed\nB=2\n', ".env"), /line 1: A has no closing "/);
    assert.throws(() => parseDotenv("1BAD=x\n", ".env"), /line 1: expected NAME=value/);
  });

  test("secrets skip SUPABASE_* names and names the stack injects, saying so", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "functions-env-")), ".env");
    fs.writeFileSync(file, "API_TOKEN=t\nSUPABASE_URL=http://elsewhere\nTEMPORAL_PROXY_URL=http://elsewhere\n");
    try {
      const { values, warnings } = loadFunctionSecrets(file, new Set(["TEMPORAL_PROXY_URL"]));
      assert.deepEqual(values, { API_TOKEN: "t" });
      assert.equal(warnings.length, 2);
      assert.match(warnings[0]!, /skipping SUPABASE_URL/);
      assert.match(warnings[1]!, /skipping TEMPORAL_PROXY_URL \(the local stack sets it\)/);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
