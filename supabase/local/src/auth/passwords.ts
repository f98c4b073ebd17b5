import bcrypt from "bcryptjs";
import { AuthError, badRequest } from "./auth-error.ts";
import type { AuthConfig } from "./auth-config.ts";

/** bcrypt's default cost, which GoTrue uses (internal/crypto/password.go, bcrypt.DefaultCost). */
const BCRYPT_COST = 10;
/** bcrypt reads at most 72 bytes; GoTrue refuses longer passwords rather than cut them (api/password.go). */
export const MAX_PASSWORD_LENGTH = 72;

/**
 * A hash of a password nobody has, compared against when the e-mail is unknown: a sign-in for an
 * unknown user then costs what one with a wrong password costs, so timing does not reveal who has
 * an account.
 */
const UNKNOWN_USER_HASH = bcrypt.hashSync("no user has this password", BCRYPT_COST);

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

/** bcrypt's comparison is constant-time over the hash; `hash` undefined means "no such user". */
export async function passwordMatches(password: string, hash: string | undefined | null): Promise<boolean> {
  const matches = await bcrypt.compare(password, hash ?? UNKNOWN_USER_HASH);
  return matches && typeof hash === "string";
}

/**
 * GoTrue's checkPasswordStrength: too long is a 400 validation_failed; too short or missing a
 * required kind of character is a 422 weak_password listing every reason at once.
 */
export function checkPasswordStrength(config: AuthConfig, password: string): void {
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw badRequest("validation_failed", `Password cannot be longer than ${MAX_PASSWORD_LENGTH} characters`);
  }
  const reasons: string[] = [];
  const messages: string[] = [];
  if (password.length < config.minimumPasswordLength) {
    reasons.push("length");
    messages.push(`Password should be at least ${config.minimumPasswordLength} characters.`);
  }
  if (config.requiredCharacterSets.some((set) => ![...set].some((character) => password.includes(character)))) {
    reasons.push("characters");
    messages.push(`Password should contain at least one character of each: ${config.requiredCharacterSets.join(", ")}.`);
  }
  if (reasons.length > 0) throw new AuthError(422, "weak_password", messages.join(" "), reasons);
}
