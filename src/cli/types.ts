/**
 * `svcflow types`: TypeScript for the implementations of the declared systems (one type per
 * system, src/engine/typescript.ts), on stdout or into a file. The catalog is the project's
 * (svcflow.config.json), or `--catalog`: the JSON `svcflow catalog --json` prints, checked before
 * anything is rendered (it is a file from outside).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { Field, RetryPolicy, TypeRef } from '../ir/schema.js';
import type { Catalog } from '../dsl/catalog.js';
import { CliError } from './errors.js';

/** The catalog's shape (src/dsl/catalog.ts), bounded: names and texts a type can be rendered from. */
const Name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a name (letters, digits, _)').max(200);
const Text = z.string().max(4000);
const CatalogSchema = z.object({
  systems: z
    .array(
      z.object({
        name: Name,
        description: Text.optional(),
        taskQueue: z.string().min(1).max(200).optional(),
        operations: z.array(
          z.object({
            name: Name,
            description: Text.optional(),
            input: z.array(Field),
            output: TypeRef,
            startToCloseMs: z.number().int().positive(),
            retry: RetryPolicy,
            errors: z.array(z.object({ code: z.string().max(200), description: Text })),
          }),
        ),
        channels: z.array(z.object({ name: Name, description: Text.optional(), payload: z.array(Field), correlate: z.array(z.string()) })),
      }),
    )
    .max(1000),
});

export async function readCatalogFile(file: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the catalog ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CliError(`the catalog ${file} is not JSON: ${(err as Error).message}`, 'write it with `svcflow catalog --json`');
  }
  const parsed = CatalogSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new CliError(`the catalog ${file} is not a catalog: ${first.path.join('.') || '(the whole file)'} ${first.message}`, 'write it with `svcflow catalog --json`');
  }
  return parsed.data;
}

export async function typesCommand(opts: { catalog?: string; out?: string }): Promise<number> {
  // The project's declared systems (svcflow.config.json), or a catalog file `svcflow catalog --json` wrote.
  let catalog: Catalog;
  if (opts.catalog) catalog = await readCatalogFile(opts.catalog);
  else {
    const found = await (await import('./catalog.js')).projectCatalog();
    if (found.diagnostics.some((d) => d.severity === 'error')) throw new CliError("the project's system declarations have errors: run svcflow check on them");
    catalog = found.catalog;
  }
  const { renderTypes, TypesError } = await import('../engine/typescript.js');
  let text: string;
  try {
    text = renderTypes(catalog);
  } catch (err) {
    if (err instanceof TypesError) throw new CliError(err.message);
    throw err;
  }
  if (opts.out) await writeFile(opts.out, text);
  else process.stdout.write(text);
  return 0;
}
