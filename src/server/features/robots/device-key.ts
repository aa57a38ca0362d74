import { createPublicKey } from 'node:crypto';
import { PlatformError } from '../../../core/errors.js';
import { decodeDevicePublicKey } from '../../../core/filing.js';

/**
 * The 32 raw bytes of a robot's device key (filing and key rotation), checked twice: as an
 * Ed25519 point of large order (core/filing.ts) and by OpenSSL's own import, so a key the
 * platform accepts is one it can later verify telemetry with.
 */
export function devicePublicKeyBytes(text: string): Uint8Array {
  const bytes = decodeDevicePublicKey(text);
  try {
    createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: text }, format: 'jwk' });
  } catch (error) {
    throw new PlatformError(
      'DEVICE_KEY_INVALID',
      'devicePublicKey is not an Ed25519 public key',
      { field: 'devicePublicKey' },
      { cause: error },
    );
  }
  return bytes;
}
