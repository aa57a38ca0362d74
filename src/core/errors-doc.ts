// docs/errors.md is generated from ERROR_CODES (`npm run docs:errors`), and a test fails when
// the file is stale: the registry is the one source, the document can never drift from it.
import { ERROR_CODES } from './errors.js';

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CODES)
    .map(([code, { status, doc }]) => `| \`${code}\` | ${status} | ${doc.replace(/\|/g, '\\|')} |`)
    .join('\n');
  return `# Error codes

Every error answer of the API is an HTTP status plus

\`\`\`json
{"error": {"code": "STABLE_CODE", "message": "for people", "details": {"...": "for programs"}}}
\`\`\`

Branch on \`code\`, never on \`message\`. Codes are public API: they are added, never renamed
or reused. This file is generated from \`src/core/errors.ts\` by \`npm run docs:errors\`.

| code | status | meaning |
|---|---|---|
${rows}
`;
}
