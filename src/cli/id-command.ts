// `roboledger id validate | decode | encode` (docs/api.md "Command line"): the robot-ID codec
// of src/robot-id on the command line. Results go to stdout, problems to stderr; the exit code
// is 0 when everything asked for was valid, 1 otherwise (usage errors exit 2, from main.ts).

import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { type Command, InvalidArgumentError } from 'commander';
import {
  type DecodedRobotId,
  decodeRobotId,
  encodeRobotId,
  formatRobotId,
  isRobotIdError,
  type RobotIdValidation,
  validateRobotId,
} from '../robot-id/index.js';

const ID_HELP = `
A robot ID has 29 characters (scheme RID-1, docs/robot-id.md):
  CN B7K2 B0A3T5 11000000000123455
  |  |    |      serial: hardware revision, site, 14-character unit sequence, check character
  |  |    model code: category, model, intelligence level, production year and month
  |  enterprise code, assigned by the registry
  country of the manufacturer of record (ISO 3166-1 alpha-2)
Input may be grouped with spaces or hyphens and in lower case; output is canonical.
Exit status: 0 when every ID is valid, 1 when one is not, 2 on a usage error.`;

export function registerIdCommands(program: Command): void {
  const id = program
    .command('id')
    .description('validate, decode and encode 29-character robot IDs (scheme RID-1)')
    .addHelpText('after', ID_HELP);

  id.command('validate')
    .description('check robot IDs and print one JSON line per ID; exit 0 when all are valid, 1 otherwise')
    .argument('<ids...>', 'robot IDs, or - to read one ID a line from stdin (blank lines are skipped)')
    .addHelpText(
      'after',
      `
Each line: {"id", "valid", "error"?: {"code", "position"?, "expected"?}, "suggestion"?}
  "id" is the canonical ID when valid, the input as given otherwise; "position" is 1-based;
  "expected" is the check character for ID_CHECK_MISMATCH, else the characters allowed there;
  "suggestion" is a corrected ID when an O or I was typed for 0 or 1.

Examples:
  $ roboledger id validate CNB7K2B0A3T511000000000123455
  {"id":"CNB7K2B0A3T511000000000123455","valid":true}
  $ cut -f1 robots.tsv | roboledger id validate -`,
    )
    .action(async (inputs: string[]) => {
      let allValid = true;
      for (const input of inputs) {
        const lines = input === '-' ? readLines() : [input];
        for await (const line of lines) {
          const validation = validateRobotId(line);
          allValid &&= validation.valid;
          await writeLine(process.stdout, validationLine(line.trim(), validation));
        }
      }
      process.exitCode = allValid ? 0 : 1;
    });

  id.command('decode')
    .description('decode a robot ID into its segments and what they mean')
    .argument('<id>', 'the robot ID (canonical, grouped or lower case)')
    .option('--json', 'print one JSON object instead of a table')
    .option(
      '--reference-year <year>',
      'the year that places the 30-year cycle of year codes (default: the current year)',
      parseReferenceYear,
    )
    .addHelpText(
      'after',
      `
An invalid ID prints its error on stderr (as a JSON line with --json) and exits 1.

Examples:
  $ roboledger id decode CNB7K2B0A3T511000000000123455
  $ roboledger id decode "cn b7k2 b0a3t5 11000000000123455" --json`,
    )
    .action(async (input: string, options: { json?: boolean; referenceYear?: number }) => {
      const referenceYear = options.referenceYear ?? new Date().getUTCFullYear();
      const validation = validateRobotId(input);
      if (!validation.valid) {
        await reportInvalid(input, validation, options.json === true);
        return;
      }
      const decoded = decodeRobotId(validation.id, { referenceYear });
      await writeLine(
        process.stdout,
        options.json === true ? JSON.stringify(decoded) : decodedTable(decoded),
      );
      process.exitCode = 0;
    });

  id.command('encode')
    .description('build a robot ID from its segments and print it with its check character')
    .requiredOption('--country <code>', 'country of the manufacturer of record, ISO 3166-1 alpha-2 (CN)')
    .requiredOption('--enterprise <code>', 'enterprise code assigned by the registry, 4 characters (B7K2)')
    .requiredOption('--category <code>', 'B biped, W wheeled base, T fixed torso, D dual-arm mobile, X other')
    .requiredOption('--model <code>', 'model within the enterprise, 2 characters (0A)')
    .requiredOption('--level <n>', 'intelligence level as filed: 1-5, or 0 for not graded')
    .requiredOption('--year <yyyy>', 'production year, 2010 or later')
    .requiredOption('--month <m>', 'production month, 1-12')
    .requiredOption('--hardware-revision <code>', 'filed hardware revision of the model, 1 character')
    .requiredOption('--site <code>', "the manufacturer's registered production site, 1 character")
    .requiredOption('--unit <sequence>', 'unit sequence, 1-14 characters, zero-padded on the left to 14')
    .option('--display', 'print the grouped display form instead of the canonical one')
    .addHelpText(
      'after',
      `
Codes use 0-9 and A-Z without I and O. A bad segment prints its error code on stderr and exits 1.

Example:
  $ roboledger id encode --country CN --enterprise B7K2 --category B --model 0A --level 3 \\
      --year 2026 --month 5 --hardware-revision 1 --site 1 --unit 12345
  CNB7K2B0A3T511000000000123455`,
    )
    .action(async (options: EncodeOptions) => {
      try {
        const robotId = encodeRobotId({
          country: options.country,
          enterprise: options.enterprise,
          category: options.category,
          model: options.model,
          level: wholeNumber(options.level),
          productionYear: wholeNumber(options.year),
          productionMonth: wholeNumber(options.month),
          hardwareRevision: options.hardwareRevision,
          site: options.site,
          unitSequence: options.unit,
        });
        await writeLine(process.stdout, options.display === true ? formatRobotId(robotId) : robotId);
        process.exitCode = 0;
      } catch (error) {
        if (!isRobotIdError(error)) throw error;
        const at = error.position === undefined ? '' : ` (position ${error.position})`;
        await writeLine(process.stderr, `roboledger: ${error.code}${at}: ${error.message}`);
        process.exitCode = 1;
      }
    });
}

interface EncodeOptions {
  country: string;
  enterprise: string;
  category: string;
  model: string;
  level: string;
  year: string;
  month: string;
  hardwareRevision: string;
  site: string;
  unit: string;
  display?: boolean;
}

/** stdin one line at a time, blank lines skipped: a million IDs never sit in memory at once. */
async function* readLines(): AsyncGenerator<string> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() !== '') yield line;
  }
}

/** Writes one line and waits when the stream's buffer is full, so a fast producer cannot flood memory. */
async function writeLine(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(`${text}\n`)) await once(stream, 'drain');
}

/** The line docs/api.md fixes: `{"id", "valid", "error"?: {"code", "position"?, "expected"?}, "suggestion"?}`. */
function validationLine(input: string, validation: RobotIdValidation): string {
  if (validation.valid) return JSON.stringify({ id: validation.id, valid: true });
  const { code, position, expected } = validation.error;
  return JSON.stringify({
    id: input,
    valid: false,
    error: { code, position, expected },
    suggestion: validation.suggestion,
  });
}

async function reportInvalid(
  input: string,
  validation: Extract<RobotIdValidation, { valid: false }>,
  json: boolean,
): Promise<void> {
  if (json) {
    await writeLine(process.stderr, validationLine(input.trim(), validation));
  } else {
    const { code, message } = validation.error;
    const hint = validation.suggestion === undefined ? '' : `\n  did you mean ${validation.suggestion}?`;
    await writeLine(process.stderr, `roboledger: ${code}: ${message}${hint}`);
  }
  process.exitCode = 1;
}

function decodedTable(decoded: DecodedRobotId): string {
  const month = String(decoded.productionMonth).padStart(2, '0');
  const rows: [string, string][] = [
    ['Robot ID', `${decoded.id}  (${decoded.display})`],
    ['Scheme', decoded.scheme],
    ['Country', `${decoded.country}  ${decoded.countryName}`],
    ['Enterprise', decoded.enterprise],
    ['Category', `${decoded.category}  ${decoded.categoryName}`],
    ['Model', decoded.model],
    ['Level as filed', `${decoded.level}  ${decoded.levelLabel}`],
    ['Production', `${decoded.productionYear}-${month}`],
    ['Hardware rev.', decoded.hardwareRevision],
    ['Site', decoded.site],
    ['Unit sequence', `${decoded.unitSequence}  (${decoded.unitSequencePadded})`],
    ['Check', decoded.check],
    ['Model code', decoded.modelCode],
    ['Serial', decoded.serial],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

function parseReferenceYear(text: string): number {
  const year = wholeNumber(text);
  if (!Number.isSafeInteger(year)) throw new InvalidArgumentError('a year such as 2026 is expected.');
  return year;
}

/** Digits only; anything else becomes NaN, which the encoder reports with its own code. */
function wholeNumber(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : Number.NaN;
}
