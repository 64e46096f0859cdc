/**
 * The `X-Registry-Auth` header: registry credentials as base64url-encoded JSON. Daemons decode
 * it with Go's `base64.URLEncoding` (padded, `-` and `_` instead of `+` and `/`), so standard
 * base64 would break for some passwords.
 */
import type { AuthConfiguration } from "./types.js";

/** Encodes credentials for `X-Registry-Auth` (also used for the `X-Registry-Config` map). */
export function encodeRegistryAuth(auth: AuthConfiguration | Record<string, AuthConfiguration>): string {
  const bytes = new TextEncoder().encode(JSON.stringify(auth));
  let binary = "";
  // Chunked so that large configs do not exceed the argument limit of fromCharCode.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_");
}

/** `{ "X-Registry-Auth": ... }` for `auth`, or `{}` without credentials unless `always` (push). */
export function registryAuthHeader(auth: AuthConfiguration | undefined, always = false): { "X-Registry-Auth"?: string } {
  if (auth === undefined) return always ? { "X-Registry-Auth": encodeRegistryAuth({}) } : {};
  return { "X-Registry-Auth": encodeRegistryAuth(auth) };
}
