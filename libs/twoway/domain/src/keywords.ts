import { InboundError } from './errors';

export type KeywordAction = 'opt_out' | 'opt_in' | 'help';

/** Whole-message keywords by what they ask for, upper case. */
export interface KeywordSet {
  optOut: string[];
  optIn: string[];
  help: string[];
}

/** The default words, and per country (ISO 3166 alpha-2) words added to them. */
export interface KeywordLists {
  default: KeywordSet;
  countries: Record<string, KeywordSet>;
}

/** The CTIA / UK mobile operators' words, plus the common French, Spanish and German ones. */
export const DEFAULT_KEYWORDS: KeywordLists = {
  default: { optOut: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'], optIn: ['START', 'UNSTOP'], help: ['HELP', 'INFO'] },
  countries: {
    FR: { optOut: ['ARRET', 'ARRÊT'], optIn: [], help: ['AIDE'] },
    ES: { optOut: ['BAJA', 'ALTO'], optIn: ['ALTA'], help: ['AYUDA'] },
    DE: { optOut: ['STOPP', 'ABMELDEN'], optIn: [], help: ['HILFE'] },
  },
};

const SETS: (keyof KeywordSet)[] = ['optOut', 'optIn', 'help'];
const ACTION: Record<keyof KeywordSet, KeywordAction> = { optOut: 'opt_out', optIn: 'opt_in', help: 'help' };

/**
 * The lists from a keywords file's parsed content ({default?, countries?}; a set given replaces
 * the built-in one of that name); throws INBOUND.INVALID_KEYWORDS_FILE naming what is wrong.
 */
export function keywordLists(raw: unknown): KeywordLists {
  if (raw === undefined || raw === null) return DEFAULT_KEYWORDS;
  const bad = (what: string) => new InboundError('INBOUND.INVALID_KEYWORDS_FILE', `keywords file: ${what}`);
  if (typeof raw !== 'object') throw bad('expected an object with "default" and/or "countries"');
  const obj = raw as { default?: unknown; countries?: unknown };
  const set = (value: unknown, where: string, base: KeywordSet): KeywordSet => {
    if (typeof value !== 'object' || value === null) throw bad(`${where} must be an object with optOut, optIn and/or help lists`);
    const out = { ...base };
    for (const [key, words] of Object.entries(value)) {
      if (!SETS.includes(key as keyof KeywordSet)) throw bad(`${where}.${key}: unknown list (optOut, optIn, help)`);
      if (!Array.isArray(words) || !words.every((w) => typeof w === 'string' && w.trim() !== '')) throw bad(`${where}.${key} must be a list of words`);
      out[key as keyof KeywordSet] = words.map((w: string) => normaliseWord(w));
    }
    return out;
  };
  const empty: KeywordSet = { optOut: [], optIn: [], help: [] };
  const countries: Record<string, KeywordSet> = { ...DEFAULT_KEYWORDS.countries };
  if (obj.countries !== undefined) {
    if (typeof obj.countries !== 'object' || obj.countries === null) throw bad('countries must map ISO 3166 codes to lists');
    for (const [code, value] of Object.entries(obj.countries)) {
      if (!/^[A-Z]{2}$/.test(code)) throw bad(`countries.${code}: not an ISO 3166 alpha-2 code (GB, FR…)`);
      countries[code] = set(value, `countries.${code}`, empty);
    }
  }
  return { default: obj.default === undefined ? DEFAULT_KEYWORDS.default : set(obj.default, 'default', DEFAULT_KEYWORDS.default), countries };
}

/** Upper case, surrounding spaces and punctuation gone ("Stop." and " stop!" are STOP). */
export function normaliseWord(text: string): string {
  return text.trim().toLocaleUpperCase('en').replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
}

/**
 * What a whole message asks for, when it is exactly one keyword of the handset's country or the
 * default lists. A sentence that starts with "Stop" is a reply, not an opt-out: only the whole
 * message counts, as carriers do.
 */
export function classifyKeyword(text: string, country: string, lists: KeywordLists): { action: KeywordAction; keyword: string } | undefined {
  const word = normaliseWord(text);
  if (word === '' || /\s/.test(word)) return undefined;
  const national = lists.countries[country];
  for (const name of SETS) {
    if (lists.default[name].includes(word) || national?.[name].includes(word)) return { action: ACTION[name], keyword: word };
  }
  return undefined;
}

/** The first word of a message, for shared short codes whose keywords pick the account. */
export function firstWord(text: string): string {
  return normaliseWord(text.trim().split(/\s+/, 1)[0] ?? '');
}

/** A keyword an account may hold on a number (upper case, one word); throws INBOUND.INVALID_KEYWORD. */
export function validateNumberKeyword(keyword: string): string {
  const word = normaliseWord(keyword);
  if (word !== '' && !/^[\p{L}\p{N}]{1,20}$/u.test(word)) {
    throw new InboundError('INBOUND.INVALID_KEYWORD', `keyword "${keyword.slice(0, 40)}" must be one word of up to 20 letters or digits`);
  }
  return word;
}
