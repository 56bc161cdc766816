/**
 * The CRM of test/fixtures/python (a system svcflow does not know), as a Catalog value and as
 * the compiled CustomerLookup process. With the DSL's `system` declarations merged, both come
 * from the fixture's .flow files (`path: 'dsl'`); until then from a stand-in built here, the
 * same data the compiler gives (`path: 'stand-in'`): the catalog as code, the process compiled
 * with a known activity in the call's place, then pointed at crm.lookupCustomer on the queue.
 */
import { readFileSync } from 'node:fs';
import * as compile from '../../src/dsl/compile.js';
import type { Catalog } from '../../src/engine/catalog-types.js';
import type { Field, ProcessIR } from '../../src/ir/schema.js';

const fixture = (name: string) => ({ file: `test/fixtures/python/${name}`, text: readFileSync(new URL(`../../../test/fixtures/python/${name}`, import.meta.url), 'utf8') });
const field = (name: string, type: Field['type'], optional = false, pii = false): Field => ({ name, type, optional, pii });

/** test/fixtures/python/crm.flow as data, on `queue` (the fixture's is "crm-python"). */
export function crmCatalog(queue = 'crm-python'): Catalog {
  return {
    systems: [
      {
        name: 'crm',
        description: 'Customer records kept in the CRM.',
        taskQueue: queue,
        channels: [],
        operations: [
          {
            name: 'lookupCustomer',
            description: 'Find a customer by phone number.',
            input: [field('phone', { t: 'phone' }, false, true), field('region', { t: 'string' }, true)],
            output: {
              t: 'record',
              fields: [
                field('customerId', { t: 'string' }),
                field('name', { t: 'string' }, false, true),
                field('tier', { t: 'enum', values: ['gold', 'silver'] }),
                field('idempotencyKey', { t: 'string' }),
                field('step', { t: 'string' }),
              ],
            },
            startToCloseMs: 5000,
            retry: { maximumAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 10_000 },
            errors: [{ code: 'crm/not-found', description: 'no customer has this number' }],
          },
        ],
      },
    ],
  };
}

type Compile = (sources: compile.SourceFile[], options?: { catalog?: Catalog }) => { processes: ProcessIR[]; diagnostics: Array<{ code: string; message: string }> };

/** CustomerLookup (test/fixtures/python/lookup.flow), its call on `queue`; which path made it. */
export function customerLookup(queue = 'crm-python'): { ir: ProcessIR; path: 'dsl' | 'stand-in' } {
  const compileSources = compile.compileSources as unknown as Compile;
  let declared: ReturnType<Compile> | undefined;
  try {
    declared = compileSources([fixture('crm.flow'), fixture('lookup.flow')], { catalog: { systems: [] } });
  } catch {
    // A compiler from before the catalog option: its second argument is a Map of known processes.
  }
  const ir = declared?.processes.find((p) => p.name === 'CustomerLookup');
  if (declared?.diagnostics.length === 0 && ir) return { ir: onQueue(ir, queue), path: 'dsl' };
  const standIn = compileSources([
    {
      file: 'test/fixtures/python/lookup.flow',
      text: fixture('lookup.flow').text.replace(/^\s*output .*\n/m, '').replace('crm.lookupCustomer(phone: input.phone)', 'billing.charge(accountId: input.phone, amount: ¥1.00, reason: "x")'),
    },
  ]);
  if (standIn.diagnostics.length) throw new Error(standIn.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  const base = standIn.processes[0]!;
  const op = crmCatalog().systems[0]!.operations[0]!;
  const steps = base.steps.map((s) =>
    s.kind === 'call'
      ? { ...s, call: { activity: 'crm.lookupCustomer', args: [s.call.args[0]!].map((a) => ({ ...a, name: 'phone' })), taskQueue: queue }, startToCloseMs: op.startToCloseMs, retry: op.retry }
      : s,
  );
  return { ir: { ...base, steps }, path: 'stand-in' };
}

function onQueue(ir: ProcessIR, queue: string): ProcessIR {
  return { ...ir, steps: ir.steps.map((s) => (s.kind === 'call' && s.call.taskQueue ? { ...s, call: { ...s.call, taskQueue: queue } } : s)) };
}
