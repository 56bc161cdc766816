/**
 * The current details the Web UI renders as markdown hold texts from an instance's input (its
 * owner, its level, the non-@pii values of a key it waits for): they are escaped, so an input
 * cannot make a link, an image or HTML there.
 */
import test from 'ava';
import { markdownText } from '../src/workflows/markdown.js';

test('markdown that an input could use to make a link, an image, emphasis or HTML is escaped; plain texts stay as they are', (t) => {
  t.is(markdownText('[verify](https://evil.example)'), '\\[verify\\]\\(https://evil.example\\)');
  t.is(markdownText('![x](y)'), '\\!\\[x\\]\\(y\\)');
  t.is(markdownText('<img src=x onerror=alert(1)>'), '\\<img src=x onerror=alert\\(1\\)\\>');
  t.is(markdownText('*bold* _it_ `code` \\'), '\\*bold\\* \\_it\\_ \\`code\\` \\\\');
  t.is(markdownText('agent-9'), 'agent-9');
  t.is(markdownText('group'), 'group');
  t.is(markdownText('line\nbreak'), 'line break', 'one line: a newline would start a block');
});
