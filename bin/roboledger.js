#!/usr/bin/env node
// The command line. `npm ci` builds dist/ (the "prepare" script); run `npm run build` after editing src/.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
