// `roboledger keygen`: a robot's Ed25519 device key pair, in the formats the platform and the
// simulator take: the public key as `devicePublicKey` for filing and key rotation (base64url of
// its 32 raw bytes), the private key as the JWK a fleet file holds (`privateKeyJwk`), written to
// a file only its owner may read.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';

export interface DeviceKeyPair {
  /** For `POST /v1/robots` `devicePublicKey` and `key_rotation` events. */
  devicePublicKey: string;
  /** The private key as a JWK (kty OKP, crv Ed25519, x, d). */
  privateKeyJwk: Record<string, string>;
}

export function generateDeviceKey(): DeviceKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const privateKeyJwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
  return { devicePublicKey: privateKeyJwk.x!, privateKeyJwk };
}

/**
 * Writes a new key pair's private half to `path` (0600; an existing file is never overwritten)
 * and returns what to print: the public key and where the private one is.
 */
export function writeDeviceKey(path: string): { devicePublicKey: string; privateKeyFile: string } {
  const pair = generateDeviceKey();
  const privateKeyFile = resolve(path);
  writeFileSync(privateKeyFile, `${JSON.stringify(pair.privateKeyJwk)}\n`, { mode: 0o600, flag: 'wx' });
  return { devicePublicKey: pair.devicePublicKey, privateKeyFile };
}

export function registerKeygenCommand(program: Command): void {
  program
    .command('keygen')
    .description(
      'make a robot device key pair: prints {devicePublicKey, privateKeyFile} as JSON; the private key ' +
        '(a JWK, as in a simulator fleet file) goes to --out, readable by you alone',
    )
    .requiredOption('--out <path>', 'the private key file to create (never overwritten)')
    .action((options: { out: string }) => {
      try {
        process.stdout.write(`${JSON.stringify(writeDeviceKey(options.out))}\n`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        process.stderr.write(`roboledger keygen: ${options.out} exists; choose another --out\n`);
        process.exitCode = 2;
      }
    });
}
