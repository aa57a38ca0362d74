// API keys: 32 random bytes, shown once, stored only as their SHA-256. A key has 256 bits of
// entropy, so a fast hash is the right one: there is nothing to brute-force, and lookups by
// hash reveal nothing about the key.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'rlk_';

export function generateApiKey(): { apiKey: string; secretHash: Uint8Array } {
  const apiKey = PREFIX + randomBytes(32).toString('base64url');
  return { apiKey, secretHash: hashApiKey(apiKey) };
}

export function hashApiKey(apiKey: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(apiKey, 'utf8').digest());
}

/** Constant-time comparison of a presented token with a configured one. */
export function tokenMatches(presented: string, expectedHash: Uint8Array): boolean {
  return timingSafeEqual(hashApiKey(presented), expectedHash);
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+([\x21-\x7e]{1,512})\s*$/i.exec(header);
  return match?.[1];
}
