import { splitMessage, TELEGRAM_TEXT_LIMIT } from '@dialogstack/bot';

describe('splitMessage', () => {
  const limit = 100;

  it('leaves a short message alone (trimmed)', () => {
    expect(splitMessage('  hello  ')).toEqual(['hello']);
    expect(splitMessage('x'.repeat(TELEGRAM_TEXT_LIMIT))).toHaveLength(1);
    expect(splitMessage('   ')).toEqual([]);
  });

  it('prefers a paragraph break', () => {
    const first = `${'a'.repeat(60)}\n${'b'.repeat(10)}`;
    const second = 'c'.repeat(50);
    expect(splitMessage(`${first}\n\n${second}`, limit)).toEqual([first, second]);
  });

  it('falls back to a line break when the paragraph break would leave the chunk under half full', () => {
    const text = `${'a'.repeat(20)}\n\n${'b'.repeat(50)}\n${'c'.repeat(60)}`;
    expect(splitMessage(text, limit)).toEqual([`${'a'.repeat(20)}\n\n${'b'.repeat(50)}`, 'c'.repeat(60)]);
  });

  it('then to a sentence end, then to a word', () => {
    const sentences = `${'word '.repeat(12)}ends here. ${'more '.repeat(10)}`;
    const [firstChunk] = splitMessage(sentences, limit);
    expect(firstChunk.endsWith('ends here.')).toBe(true);

    const words = 'lorem '.repeat(40);
    const chunks = splitMessage(words, limit);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(limit);
      expect(chunk).toMatch(/^(lorem ?)+$/);
      expect(chunk.endsWith('lorem')).toBe(true);
    }
    expect(chunks.join(' ')).toBe(words.trim());
  });

  it('cuts a word-less run hard, never between the halves of a surrogate pair', () => {
    const emoji = '😀'.repeat(120); // 240 UTF-16 units, no whitespace at all
    const chunks = splitMessage(`x${emoji}`, limit);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(limit);
      expect(chunk).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
    expect(chunks.join('')).toBe(`x${emoji}`);
    expect(chunks[0]).toHaveLength(99);
  });

  it('splits a realistic long answer into Telegram-sized messages without losing text', () => {
    const paragraph = (n: number) => `Paragraph ${n}. ${'Some sentence here, with words. '.repeat(30).trim()}`;
    const text = Array.from({ length: 20 }, (_, i) => paragraph(i)).join('\n\n');
    const chunks = splitMessage(text);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(chunks.join('\n\n')).toBe(text);
  });
});
