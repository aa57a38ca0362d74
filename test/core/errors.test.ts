import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, PlatformError } from '../../src/core/errors.js';
import { renderErrorsDoc } from '../../src/core/errors-doc.js';
import { ROBOT_ID_ERROR_CODES } from '../../src/robot-id/index.js';

describe('error codes', () => {
  it('docs/errors.md lists every code with its status (run `npm run docs:errors` after adding one)', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderErrorsDoc());
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(doc).toContain(`| \`${code}\` | ${status} |`);
    }
  });

  it('every robot-ID error code is registered as a 400', () => {
    for (const code of ROBOT_ID_ERROR_CODES) expect(ERROR_CODES[code].status).toBe(400);
  });

  it('codes are SCREAMING_SNAKE_CASE and statuses are 4xx/5xx', () => {
    for (const [code, { status, doc }] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(doc.length).toBeGreaterThan(10);
    }
  });

  it('a PlatformError carries its code, status and details', () => {
    const e = new PlatformError('ROBOT_NOT_FOUND', 'gone', { robotId: 'x' });
    expect(e.status).toBe(404);
    expect(e.details).toEqual({ robotId: 'x' });
  });
});
