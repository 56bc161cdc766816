/**
 * Writes what is derived from the grammar (`npm run gen:grammar` after a change to parser.ts):
 * src/dsl/cst.d.ts, the CST types, and src/dsl/lookahead-table.ts, the parser's lookahead paths.
 * A test fails while either is out of date.
 */
import { writeFileSync } from 'node:fs';
import { renderLookaheadTable } from '../src/dsl/generated.js';
import { computeLookaheadTable, renderCstTypes } from '../src/dsl/parser.js';

const write = (name: string, text: string) => writeFileSync(new URL(`../../src/dsl/${name}`, import.meta.url), text);
write('cst.d.ts', renderCstTypes());
write('lookahead-table.ts', renderLookaheadTable(computeLookaheadTable()));
