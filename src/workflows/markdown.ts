/**
 * Texts from an instance's input in the current details, which the Web UI renders as markdown:
 * escaped, so that an owner or a level cannot make a link, an image, emphasis or HTML there.
 * Pure and workflow-safe.
 */

/** `text` as literal markdown on one line. */
export function markdownText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]()<>!#|~{}]/g, (c) => `\\${c}`);
}
