/**
 * The catalog's shape, exactly as the shared design of issue 11 (COMMON.md item 2) gives it: a
 * stand-in for the types of src/dsl/catalog.ts, which the DSL engineer writes in parallel. When
 * that file is merged, this one becomes `export type { … } from '../dsl/catalog.js'` (its types
 * are these, with optional extras, so every value of theirs is one of these).
 */
import type { Field, RetryPolicy, TypeRef } from '../ir/schema.js';

export interface OperationSpec {
  name: string;
  description?: string;
  input: Field[];
  output: TypeRef;
  startToCloseMs: number;
  retry: RetryPolicy;
  errors: Array<{ code: string; description: string }>;
}
export interface ChannelSpec {
  name: string;
  description?: string;
  payload: Field[];
  correlate: string[];
}
export interface SystemSpec {
  name: string;
  description?: string;
  taskQueue?: string;
  operations: OperationSpec[];
  channels: ChannelSpec[];
}
/** Plain JSON data: what `svcflow catalog --json` prints, what an engine or worker is given. */
export interface Catalog {
  systems: SystemSpec[];
}
