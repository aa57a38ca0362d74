// The console's typed API client is generated from the platform's own OpenAPI document
// (`npm run console:api` writes console/src/api/schema.ts; test/console/api-types.test.ts
// regenerates it in memory and fails when the committed file has drifted from the routes).
import { writeFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import { startTestPlatform } from '../test/support/app.js';

export const SCHEMA_FILE = new URL('../console/src/api/schema.ts', import.meta.url);

const HEADER =
  "// Generated from the platform's /openapi.json by `npm run console:api` (scripts/console-api-types.ts).\n" +
  '// Do not edit: test/console/api-types.test.ts fails when this file and the routes disagree.\n\n';

/** The TypeScript text of the API's paths and schemas, from a platform on an in-memory database. */
export async function renderConsoleApiTypes(): Promise<string> {
  const platform = await startTestPlatform();
  try {
    const document = (await platform.call('GET', '/openapi.json')).json();
    const ast = await openapiTS(document, { alphabetize: true });
    return HEADER + astToString(ast);
  } finally {
    await platform.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SCHEMA_FILE, await renderConsoleApiTypes());
}
