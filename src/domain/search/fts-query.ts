/**
 * What a user types, turned into FTS5 queries that cannot fail to parse: every word becomes a quoted string
 * (so `AND`, `NOT`, `*`, `:`, `(`, `"` and `NEAR` are plain text), words are AND-ed, and the last word of a
 * message query is a prefix (`"factu"*` finds "factura"), so results follow the typing.
 */

const MAX_WORDS = 16;

const quote = (word: string) => `"${word.replaceAll('"', '""')}"`;

/** Words with at least one letter or digit; punctuation-only pieces carry nothing to search for. */
export function searchWords(input: string): string[] {
  return input
    .split(/\s+/)
    .filter((w) => /[\p{L}\p{N}]/u.test(w))
    .slice(0, MAX_WORDS);
}

/**
 * A query for `messages_fts` (unicode61 words without diacritics), or null when the input has nothing to
 * search for.
 */
export function messageMatch(input: string): string | null {
  return messageMatchOf(searchWords(input));
}

/** `messageMatch` of words already split by `searchWords`. */
export function messageMatchOf(words: string[]): string | null {
  if (words.length === 0) return null;
  return words.map((w, i) => (i === words.length - 1 ? `${quote(w)}*` : quote(w))).join(" ");
}

/**
 * The PostgreSQL twin of `messageMatchOf`, for `to_tsquery('simple', chasqui_fold(…))` over
 * `to_tsvector('simple', chasqui_fold(body))`: every word a quoted lexeme (so `&`, `|`, `!`, `<->`, `:`, `(`
 * and `*` are plain text; a quote or backslash is doubled), words AND-ed, the last one a prefix (`:*`). A word
 * the parser splits in several tokens ("foo-bar", "a.b") becomes a phrase of them, as in FTS5.
 */
export function messageTsQuery(words: string[]): string | null {
  if (words.length === 0) return null;
  const lexeme = (w: string) => `'${w.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
  return words.map((w, i) => (i === words.length - 1 ? `${lexeme(w)}:*` : lexeme(w))).join(" & ");
}

/**
 * A contact search: `contacts_fts` (trigrams) matches substrings of three characters or more; shorter
 * words are checked with LIKE on the few rows the long ones found, or on every contact when no word is long
 * enough. A number typed with spaces, dashes or `+` is one substring of digits.
 */
export type ContactMatch = { match: string | null; shortWords: string[] };

const PHONE_LIKE = /^[\d\s+().-]+$/;

export function contactMatch(input: string): ContactMatch | null {
  const trimmed = input.trim();
  if (/\d/.test(trimmed) && PHONE_LIKE.test(trimmed)) {
    const digits = trimmed.replace(/\D/g, "");
    return digits.length >= 3
      ? { match: `number : ${quote(digits)}`, shortWords: [] }
      : { match: null, shortWords: [digits] };
  }
  // Any character counts here (trigrams index punctuation too): "100%" finds "Carlos 100%".
  const words = trimmed.split(/\s+/).filter(Boolean).slice(0, MAX_WORDS);
  if (words.length === 0) return null;
  const long = words.filter((w) => [...w].length >= 3);
  const short = words.filter((w) => [...w].length < 3);
  return { match: long.length > 0 ? long.map(quote).join(" ") : null, shortWords: short };
}

/** `%` and `_` typed by a user are literal characters in a LIKE pattern. */
export const likeContains = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
