// `npm run bench` runs every benchmark in bench/ (files exporting `run()`), each in its own
// process so one's heap and JIT state do not colour the next; `npm run bench -- <name>` one.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
// Helpers the benchmarks share, not benchmarks.
const NOT_BENCHMARKS = new Set(['run.ts', 'support.ts', 'in-process.ts', 'robot-in-big-log.ts']);
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !NOT_BENCHMARKS.has(f))
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.join(', ')}\n`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  process.stdout.write(`\n# ${name}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${name}.ts`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
