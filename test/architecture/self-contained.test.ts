// The repository explains itself (docs/architecture.md "Import rules"): no source, test,
// benchmark, script or document points outside the repository for its contract. The specs
// the project was built from are input, not references; what they pin is restated in
// docs/api.md, docs/architecture.md and docs/robot-id.md. The patterns are assembled from
// pieces so that this file does not match itself.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

const FORBIDDEN = [
  ['..', 'shared'].join('/'),
  ['shared', 'specs'].join('/'),
  ['api-v1', 'md'].join('.'),
  ['ARCHITECTURE', 'md'].join('.'),
];

const SCANNED_FOLDERS = ['src', 'test', 'bench', 'scripts', 'docs', 'migrations'];
const SCANNED_FILES = ['README.md', 'DEVELOPERS.md', 'package.json'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Every `file:line: text` that names something outside the repository. */
function outsideReferences(file: string, text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, i) =>
      FORBIDDEN.some((pattern) => line.includes(pattern)) ? [`${file}:${i + 1}: ${line.trim()}`] : [],
    );
}

describe('a self-contained repository', () => {
  const files = [
    ...SCANNED_FOLDERS.flatMap((folder) => filesUnder(join(root, folder))),
    ...SCANNED_FILES.map((name) => join(root, name)),
  ];

  it('sees what it checks (so the check below can fail)', () => {
    expect(files.map((f) => relative(root, f))).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/api.md',
        'src/server/app.ts',
        'test/ledger/conformance.test.ts',
      ]),
    );
    expect(outsideReferences('x.ts', `// see ${FORBIDDEN[2]} "Ledger"`)).toEqual([
      `x.ts:1: // see ${FORBIDDEN[2]} "Ledger"`,
    ]);
    expect(outsideReferences('x.md', `[spec](../../${FORBIDDEN[1]}/robot-id.md)`)).toHaveLength(1);
  });

  it('no file points outside the repository for its contract', () => {
    const found = files.flatMap((file) =>
      outsideReferences(relative(root, file), readFileSync(file, 'utf8')),
    );
    expect(found).toEqual([]);
  });

  // A citation names a section by the start of its heading, or quotes the page's own words.
  it('every cited section or quoted phrase of a docs page is in that page', () => {
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/docs\/([\w-]+)\.md"? \(?"([^"]+)"/g)) {
        const page = join(root, 'docs', `${m[1]}.md`);
        let pageText: string;
        try {
          pageText = readFileSync(page, 'utf8');
        } catch {
          broken.push(`${relative(root, file)}: docs/${m[1]}.md does not exist`);
          continue;
        }
        const headings = pageText
          .split('\n')
          .filter((line) => /^#{2,4} /.test(line))
          .map((line) => line.replace(/^#+ /, ''));
        if (!headings.some((h) => h.startsWith(m[2]!)) && !pageText.includes(m[2]!)) {
          broken.push(`${relative(root, file)}: docs/${m[1]}.md has no section "${m[2]}"`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('the pages that take the place of the outside specs exist', () => {
    for (const page of ['docs/api.md', 'docs/architecture.md', 'docs/robot-id.md']) {
      expect(statSync(join(root, page)).size, page).toBeGreaterThan(2000);
    }
  });
});
