import type { IncomingHttpHeaders } from "node:http";
import { pgrstError } from "./errors.ts";
import { EXPOSED_SCHEMA } from "./sql/text.ts";

/** The `Prefer` header preferences this subset honours (PostgREST ignores unknown ones, as here). */
export interface Preferences {
  readonly return: "minimal" | "representation" | "headers-only";
  readonly count: boolean;
  readonly missingDefault: boolean;
  readonly resolution?: "merge" | "ignore";
  /** `handling=strict` with `max-affected=n`: fail instead of touching more than n rows. */
  readonly maxAffected?: number;
}

export function parsePrefer(headers: IncomingHttpHeaders): Preferences {
  const raw = headers.prefer;
  const tokens = (Array.isArray(raw) ? raw.join(",") : raw ?? "").split(",").map((t) => t.trim()).filter(Boolean);
  const values = new Map<string, string>();
  for (const token of tokens) {
    const [key, value = ""] = token.split("=", 2).map((s) => s.trim());
    values.set(key!, value);
  }
  const ret = values.get("return");
  const resolution = values.get("resolution");
  const maxAffected = values.get("handling") === "strict" ? values.get("max-affected") : undefined;
  return {
    return: ret === "representation" || ret === "headers-only" ? ret : "minimal",
    // planned and estimated are exact here: the local tables are small enough to count.
    count: ["exact", "planned", "estimated"].includes(values.get("count") ?? ""),
    missingDefault: values.get("missing") === "default",
    ...(resolution === "merge-duplicates" ? { resolution: "merge" as const } : resolution === "ignore-duplicates" ? { resolution: "ignore" as const } : {}),
    ...(maxAffected !== undefined && /^\d+$/.test(maxAffected) ? { maxAffected: Number(maxAffected) } : {}),
  };
}

/** `Preference-Applied`: which of the request's preferences took effect. */
export function appliedPreferences(prefs: Preferences, mutation: boolean): string | undefined {
  const applied: string[] = [];
  if (mutation && prefs.return !== "minimal") applied.push(`return=${prefs.return}`);
  if (prefs.count) applied.push("count=exact");
  if (mutation && prefs.missingDefault) applied.push("missing=default");
  if (mutation && prefs.resolution) applied.push(`resolution=${prefs.resolution}-duplicates`);
  return applied.length ? applied.join(", ") : undefined;
}

export interface ResponseFormat {
  /** `application/vnd.pgrst.object+json`: exactly one row as an object, else 406. */
  readonly singular: boolean;
  readonly stripNulls: boolean;
}

/** The first media type in `Accept` that PostgREST's JSON output can satisfy. */
export function negotiate(headers: IncomingHttpHeaders): ResponseFormat {
  const accept = headers.accept?.trim();
  if (!accept) return { singular: false, stripNulls: false };
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.split(";").map((s) => s.trim().toLowerCase());
    const stripNulls = params.includes("nulls=stripped");
    if (type === "application/vnd.pgrst.object+json" || type === "application/vnd.pgrst.object") return { singular: true, stripNulls };
    if (["application/json", "application/vnd.pgrst.array+json", "application/*", "*/*"].includes(type)) return { singular: false, stripNulls };
  }
  throw pgrstError(406, "PGRST107", `None of these media types are available: ${accept}`);
}

/** `Accept-Profile` / `Content-Profile` may only name the exposed schema. */
export function checkProfile(headers: IncomingHttpHeaders, reading: boolean): void {
  const profile = reading ? headers["accept-profile"] : headers["content-profile"];
  if (profile !== undefined && profile !== EXPOSED_SCHEMA) {
    throw pgrstError(406, "PGRST106", `Invalid schema: ${String(profile)}`, { hint: `Only the following schemas are exposed: ${EXPOSED_SCHEMA}` });
  }
}

/** Bodies are JSON; PostgREST answers anything else with 415. */
export function checkContentType(headers: IncomingHttpHeaders): void {
  const type = headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (type !== undefined && type !== "" && type !== "application/json") {
    throw pgrstError(415, "PGRST107", `The request's Content-Type (${type}) is not supported: send application/json`);
  }
}
