import type { Decision } from '../../core/access-policy.js';
import { PlatformError } from '../../core/errors.js';

/** Turns a policy decision into the answer: allow passes, conceal is 404, deny is 403. */
export function enforce(decision: Decision): void {
  if (decision.allow) return;
  if (decision.conceal) throw new PlatformError('NOT_FOUND', 'not found');
  throw new PlatformError('FORBIDDEN', decision.reason);
}
