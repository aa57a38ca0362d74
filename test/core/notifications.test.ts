// The pure part of notifications (src/core/notifications.ts): the Standard Webhooks signature
// against the specification's published example, and the retry schedule.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  retryDelayMs,
  webhookSecretText,
  webhookSignature,
} from '../../src/core/notifications.js';

describe('webhook signature', () => {
  it('matches the Standard Webhooks example', () => {
    const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
    expect(webhookSecretText(key)).toBe('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(webhookSignature(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });
});

describe('retry schedule', () => {
  it('doubles from the base up to the cap, and stops after the last attempt', () => {
    const waits = [];
    for (let attempt = 1; ; attempt++) {
      const wait = retryDelayMs(attempt);
      if (wait === null) break;
      waits.push(wait / 1000);
    }
    expect(waits).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    expect(waits.length + 1).toBe(DEFAULT_RETRY_POLICY.maxAttempts);
    expect(retryDelayMs(1, { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 })).toBeNull();
  });
});
