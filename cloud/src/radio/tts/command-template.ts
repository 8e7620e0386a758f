export const PLACEHOLDERS = ['{out}', '{voice}', '{speed}'] as const;

export class CommandTemplateError extends Error {
  override name = 'CommandTemplateError';
}

/**
 * Splits a command template into program and arguments the way a shell would split words
 * ('single' and "double" quotes group words), without ever running a shell.
 */
export function parseCommandTemplate(template: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (const char of template) {
    if (quote) {
      if (char === quote) quote = null;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (/\s/.test(char)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (quote) throw new CommandTemplateError(`unclosed ${quote} quote in the speech command "${template}"`);
  if (word !== null) words.push(word);
  if (words.length === 0) throw new CommandTemplateError('the speech command is empty');
  if (!words.some((w) => w.includes('{out}'))) {
    throw new CommandTemplateError(`the speech command "${template}" must say where to write the WAV file with {out}`);
  }
  return words;
}

/** Fills the placeholders word by word, so a value with spaces stays one argument. */
export function fillCommandTemplate(words: readonly string[], values: Record<(typeof PLACEHOLDERS)[number], string>): string[] {
  return words.map((word) => word.replace(/\{out\}|\{voice\}|\{speed\}/g, (placeholder) => values[placeholder as keyof typeof values]));
}
