/**
 * [auth] of supabase/config.toml as the local Auth stand-in reads it: the project's own file, and
 * the settings it refuses rather than silently not honour.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseAuthConfig, readAuthConfig } from "../src/auth/auth-config.ts";
import { StackError } from "../src/errors.ts";
import { CONFIG_TOML } from "../src/paths.ts";

const refused = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof StackError, String(error));
  assert.match(error.message, pattern);
  return true;
};

describe("auth config", () => {
  test("the project's config.toml: the hook enabled as a pg function, sign-ups on, no confirmation, 8-character passwords", () => {
    const config = readAuthConfig(CONFIG_TOML);
    assert.deepEqual(config.customAccessTokenHook, {
      uri: "pg-functions://postgres/public/custom_access_token_hook",
      functionName: '"public"."custom_access_token_hook"',
    });
    assert.equal(config.signupEnabled, true);
    assert.equal(config.emailProviderEnabled, true);
    assert.equal(config.jwtExpirySeconds, 3600);
    assert.equal(config.minimumPasswordLength, 8);
    assert.equal(config.refreshTokenRotation, true);
    assert.equal(config.refreshTokenReuseIntervalSeconds, 10);
  });

  test("GoTrue's defaults when [auth] says nothing; a minimum below 6 is raised to 6", () => {
    const config = parseAuthConfig("", "config.toml");
    assert.equal(config.customAccessTokenHook, undefined);
    assert.equal(config.minimumPasswordLength, 6);
    assert.equal(parseAuthConfig("[auth]\nminimum_password_length = 2", "config.toml").minimumPasswordLength, 6);
    assert.deepEqual(parseAuthConfig('[auth]\npassword_requirements = "lower_upper_letters_digits"', "config.toml").requiredCharacterSets, ["abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"]);
  });

  test("settings the stand-in does not implement stop the start, all reported at once", () => {
    const text = [
      "[auth]",
      "jwt_issuer = \"https://issuer.example\"",
      "enable_anonymous_sign_ins = true",
      "[auth.email]",
      "enable_confirmations = true",
      "[auth.hook.custom_access_token]",
      "enabled = true",
      "uri = \"https://hooks.example/token\"",
      "[auth.hook.send_email]",
      "enabled = true",
      "uri = \"pg-functions://postgres/public/send\"",
    ].join("\n");
    assert.throws(() => parseAuthConfig(text, "config.toml"), refused(/5 problem\(s\)[\s\S]*jwt_issuer[\s\S]*anonymous[\s\S]*mailer[\s\S]*pg-functions[\s\S]*send_email/));
  });

  test("a pg-functions URI must name a schema and a function with plain identifiers, and takes no secrets", () => {
    for (const uri of ["pg-functions://postgres/public", "pg-functions://postgres/public/drop table x", 'pg-functions://postgres/pu"blic/hook']) {
      assert.throws(() => parseAuthConfig(`[auth.hook.custom_access_token]\nenabled = true\nuri = ${JSON.stringify(uri)}`, "config.toml"), refused(/must name a schema and a function/), uri);
    }
    assert.throws(
      () => parseAuthConfig('[auth.hook.custom_access_token]\nenabled = true\nuri = "pg-functions://postgres/public/h"\nsecrets = "v1,whsec_x"', "config.toml"),
      refused(/secrets is unsupported/),
    );
    assert.equal(parseAuthConfig('[auth.hook.custom_access_token]\nenabled = false\nuri = "https://x"', "config.toml").customAccessTokenHook, undefined, "a disabled hook is not checked, as in the CLI");
  });
});
