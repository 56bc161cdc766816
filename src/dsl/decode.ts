/**
 * A file's bytes as the compiler's text. Bytes that are not UTF-8 are not silently replaced by
 * U+FFFD: the source remembers where the first of them is, and parsing reports it there
 * (`parse/invalid-encoding`). A U+FFFD written in the file (the bytes EF BF BD) is a character like
 * any other. A byte order mark is kept, as `readFile(…, 'utf8')` keeps it (the lexer skips it).
 */
import type { SourceFile } from './parse.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

export function sourceFromBytes(file: string, bytes: Uint8Array): SourceFile {
  try {
    return { file, text: strict.decode(bytes) };
  } catch {
    const text = lenient.decode(bytes);
    return { file, text, invalidUtf8At: firstReplaced(text, bytes) };
  }
}

/** The index in `text` of the first U+FFFD that stands for bytes that were not UTF-8. */
function firstReplaced(text: string, bytes: Uint8Array): number {
  let at = 0; // where the character at i starts in `bytes`, while all before it were UTF-8
  for (let i = 0; i < text.length; i++) {
    const c = text.codePointAt(i)!;
    if (c === 0xfffd && !(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) return i;
    at += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (c > 0xffff) i++;
  }
  return text.length;
}
