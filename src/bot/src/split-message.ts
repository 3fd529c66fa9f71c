/** Telegram's limit for one text message, in UTF-16 code units (never more than characters). */
export const TELEGRAM_TEXT_LIMIT = 4096;

/**
 * Breaks, best first. A break is taken only if it leaves the chunk at least half full, so a
 * paragraph end near the start does not waste a message when a line end is near the limit.
 */
const BREAKS: { find: (window: string) => number; minFill: number }[] = [
  { find: (w) => w.lastIndexOf('\n\n'), minFill: 0.5 },
  { find: (w) => w.lastIndexOf('\n'), minFill: 0.5 },
  { find: lastSentenceEnd, minFill: 0.5 },
  { find: (w) => w.search(/\s\S*$/), minFill: 0 },
];

/**
 * Splits text into messages of at most `limit` UTF-16 units, at the best boundary available:
 * paragraph, line, sentence, word; a hard cut only when a whole chunk has no whitespace, and
 * then never between the two halves of a surrogate pair.
 */
export function splitMessage(text: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const cut = cutPosition(rest, limit);
    chunks.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== '') chunks.push(rest);
  return chunks;
}

function cutPosition(text: string, limit: number): number {
  // One unit past the limit: a break right at the limit still yields a full chunk.
  const window = text.slice(0, limit + 1);
  for (const { find, minFill } of BREAKS) {
    const at = find(window);
    if (at > 0 && at >= limit * minFill) return at;
  }
  const code = text.charCodeAt(limit - 1);
  const splitsPair = code >= 0xd800 && code <= 0xdbff;
  return splitsPair ? limit - 1 : limit;
}

/** Index just after the last `.`, `!`, `?` or `…` (plus closing quotes/brackets) that is followed by whitespace. */
function lastSentenceEnd(window: string): number {
  let end = -1;
  for (const match of window.matchAll(/[.!?…]["'»”)\]]*(?=\s)/g)) end = match.index + match[0].length;
  return end;
}
