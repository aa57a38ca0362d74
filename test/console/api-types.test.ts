// The console's typed client is generated from the routes: this regenerates it in memory and
// fails when the committed console/src/api/schema.ts no longer matches (`npm run console:api`).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConsoleApiTypes, SCHEMA_FILE } from '../../scripts/console-api-types.js';

describe('console API types', () => {
  it('match the OpenAPI document of the routes (run `npm run console:api` after changing a route)', async () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    const generated = await renderConsoleApiTypes();
    // Compared as a boolean first: a 600 kB diff helps nobody; the hint says what to do.
    expect(generated === committed, 'console/src/api/schema.ts is stale: run `npm run console:api`').toBe(
      true,
    );
  });
});
