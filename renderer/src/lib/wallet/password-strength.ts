/**
 * A small password strength estimate for the meter (no library: the app ships none). Entropy is
 * guessed as length × log2(alphabet of the character classes used), then cut for what guessers
 * try first: repeats, runs (abc, 123), keyboard rows, common words and a year or digits at the
 * end. It only guides; the node's rule is 8 characters or more.
 */
export type StrengthLevel = 0 | 1 | 2 | 3 | 4;

export interface Strength {
  level: StrengthLevel;
  /** Rough entropy in bits, after penalties. */
  bits: number;
}

export const MIN_PASSWORD_LENGTH = 8;

const COMMON = [
  'password',
  'passw0rd',
  'qwerty',
  'azerty',
  'letmein',
  'welcome',
  'admin',
  'iloveyou',
  'monkey',
  'dragon',
  'master',
  'secret',
  'bitcoin',
  'crypto',
  'wallet',
  'tao',
  'bittensor',
  'noesis',
];
const ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'azertyuiop', '1234567890'];

function alphabetSize(password: string): number {
  let size = 0;
  if (/[a-z]/.test(password)) size += 26;
  if (/[A-Z]/.test(password)) size += 26;
  if (/[0-9]/.test(password)) size += 10;
  if (/[^A-Za-z0-9]/.test(password)) size += 33;
  return size;
}

/** Characters that continue a run (aaa, abc, cba, 123, qwe) count for little. */
function predictableCount(password: string): number {
  const lower = password.toLowerCase();
  let count = 0;
  for (let i = 2; i < lower.length; i++) {
    const a = lower.charCodeAt(i - 2);
    const b = lower.charCodeAt(i - 1);
    const c = lower.charCodeAt(i);
    const repeat = a === b && b === c;
    const run = (b - a === 1 && c - b === 1) || (a - b === 1 && b - c === 1);
    const row = ROWS.some((r) => r.includes(lower.slice(i - 2, i + 1)));
    if (repeat || run || row) count += 1;
  }
  return count;
}

export function passwordStrength(password: string): Strength {
  if (password.length === 0) return { level: 0, bits: 0 };
  const perChar = Math.log2(Math.max(alphabetSize(password), 2));
  let effective = password.length - predictableCount(password) * 0.75;
  const lower = password.toLowerCase();
  for (const word of COMMON) {
    if (lower.includes(word)) effective -= word.length - 1;
  }
  if (/(19|20)\d\d$/.test(password)) effective -= 3;
  if (/^[A-Z][a-z]+\d+[^A-Za-z0-9]?$/.test(password)) effective -= 2;
  const bits = Math.max(0, Math.round(Math.max(effective, 1) * perChar));
  let level: StrengthLevel;
  if (password.length < MIN_PASSWORD_LENGTH || bits < 28) level = 0;
  else if (bits < 40) level = 1;
  else if (bits < 56) level = 2;
  else if (bits < 72) level = 3;
  else level = 4;
  return { level, bits };
}
