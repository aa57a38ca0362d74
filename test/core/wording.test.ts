import { describe, expect, it } from 'vitest';
import { withArticle } from '../../src/core/wording.js';

describe('withArticle', () => {
  it('says "an" before a vowel and "a" before anything else', () => {
    expect(withArticle('operator')).toBe('an operator');
    expect(withArticle('assessor')).toBe('an assessor');
    expect(withArticle('in_service')).toBe('an in_service');
    expect(withArticle('maintainer')).toBe('a maintainer');
    expect(withArticle('software_provider')).toBe('a software_provider');
  });
});
