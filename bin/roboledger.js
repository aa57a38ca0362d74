#!/usr/bin/env node
// The command line. `npm ci` builds dist/ (the "prepare" script); run `npm run build` after editing src/.
import { main } from '../dist/cli/main.js';

// A reader that stops early (`roboledger id validate - | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
