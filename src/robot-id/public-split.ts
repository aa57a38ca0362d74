// The public 2/4/6/17 split of the 29-character national code (robot-id.md, first paragraph):
// country, enterprise, model code, serial. Every scheme lives inside it, so input
// normalisation and the display form are defined here, once, for all schemes.

export const ROBOT_ID_LENGTH = 29;

/** Separators may stand after this many significant characters: between the four public groups. */
const GROUP_BOUNDARIES = [2, 6, 12] as const;

const SPACE = 0x20;
const HYPHEN = 0x2d;
const LOWER_A = 0x61;
const LOWER_Z = 0x7a;

/**
 * The canonical form of a typed ID (robot-id.md "Layout": "Input may carry spaces or hyphens
 * between groups and lower case; the canonical form has neither"): surrounding whitespace
 * trimmed, runs of spaces and hyphens at a group boundary removed, ASCII letters upper-cased.
 * A separator anywhere else is kept, so the ID then fails on length or alphabet instead of
 * being silently re-grouped. Returns `input` itself when it is already canonical.
 */
export function normaliseRobotIdInput(input: string): string {
  const text = input.trim();
  let canonical = '';
  let significant = 0;
  let changed = text.length !== input.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code === SPACE || code === HYPHEN) && isGroupBoundary(significant)) {
      changed = true;
      continue;
    }
    if (code >= LOWER_A && code <= LOWER_Z) {
      changed = true;
      canonical += String.fromCharCode(code - 32);
    } else {
      canonical += text.charAt(i);
    }
    significant++;
  }
  return changed ? canonical : input;
}

function isGroupBoundary(significant: number): boolean {
  return (GROUP_BOUNDARIES as readonly number[]).includes(significant);
}

/** Upper-cases ASCII letters only; `toUpperCase` would also turn `ß` into `SS` and change lengths. */
export function toUpperAscii(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

/** The display form of a canonical ID: `CN B7K2 B0A3T5 11000000000123455`. */
export function toDisplayForm(canonical: string): string {
  return `${canonical.slice(0, 2)} ${canonical.slice(2, 6)} ${canonical.slice(6, 12)} ${canonical.slice(12)}`;
}
