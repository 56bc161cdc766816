/**
 * Writes src/dsl/catalog-signatures.ts, the activity catalog as the compiler sees it (types,
 * timeouts, retries), from the zod contracts in src/activities/catalog (`npm run gen:catalog`
 * after changing a contract; a test fails until it is run).
 */
import { writeFileSync } from 'node:fs';
import { catalogSignatures } from '../src/dsl/catalog-types.js';
import { renderSignatures } from '../src/dsl/generated.js';

writeFileSync(new URL('../../src/dsl/catalog-signatures.ts', import.meta.url), renderSignatures(catalogSignatures()));
