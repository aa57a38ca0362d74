// The webhook request forgery guard's address rule (webhook-target.ts), at the edges of each
// range: the first address outside a refused range is public.
import { describe, expect, it } from 'vitest';
import {
  checkWebhookTarget,
  guardedLookup,
  refusedAddress,
} from '../../../src/server/features/notifications/webhook-target.js';

describe('webhook target addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.255', 'loopback'],
    ['10.255.255.255', 'private'],
    ['172.16.0.0', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:10.0.0.1', 'private'],
    ['fd00::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['64:ff9b::7f00:1', 'NAT64'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(refusedAddress(address)).toBe(reason);
  });

  it.each([
    '8.8.8.8',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '11.0.0.0',
    '203.0.113.7',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
  ])('lets %s through', (address) => {
    expect(refusedAddress(address)).toBeUndefined();
  });

  it('refuses a name when any one of its addresses is not public', async () => {
    const resolver = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    await expect(checkWebhookTarget(new URL('https://mixed.example/h'), [], resolver)).rejects.toMatchObject({
      code: 'WEBHOOK_TARGET_REFUSED',
    });
    await expect(
      checkWebhookTarget(new URL('https://mixed.example/h'), ['mixed.example'], resolver),
    ).resolves.toBe(undefined);
    const lookup = guardedLookup(resolver);
    const error = await new Promise((resolve) => lookup('mixed.example', { all: true }, (e) => resolve(e)));
    expect(error).toMatchObject({ code: 'WEBHOOK_TARGET_REFUSED' });
    const ok = await new Promise((resolve) =>
      guardedLookup(async () => [{ address: '93.184.215.14', family: 4 }])(
        'public.example',
        {},
        (e, address) => resolve([e, address]),
      ),
    );
    expect(ok).toEqual([null, '93.184.215.14']);
  });
});
