/**
 * The baseline: a workflow written in YAML, read with js-yaml and validated with zod, the path
 * of Temporal's dsl-interpreter sample. The format is what a team would write without a DSL
 * (after AWS Step Functions and the CNCF Serverless Workflow spec): a list of steps told apart
 * by a `type` field, activity calls with args, result, timeouts and retry, waits for a signal
 * with a time limit, escalations and an on-timeout branch, if/then/else. Expressions are
 * `${ … }` strings, as in Serverless Workflow.
 *
 * The schema checks structure, closed key sets (a misspelt key is an error), names, duration
 * syntax, number ranges and that expressions are wrapped. It does not know the activity
 * catalog, argument types, variables or expression syntax: that is what the DSL's checker adds.
 */
import { load } from 'js-yaml';
import { z } from 'zod';

const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a name: letters, digits and _');
const ActivityName = z.string().regex(/^[a-z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*$/, 'system.operation, e.g. billing.charge');
const Duration = z.string().regex(/^(\d+(ms|s|m|h|d))+$/, 'a duration such as 30s, 1h30m or 2d');
const Expression = z.string().regex(/^\$\{[\s\S]+\}$/, 'an expression, written ${ … }');
const ErrorType = z.string().regex(/^[a-z]+\/[a-z0-9-]+$/, 'an error type such as billing/invalid-amount');

type Arg = string | number | boolean | null | Arg[] | { [key: string]: Arg };
const Arg: z.ZodType<Arg> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(Arg), z.record(z.string(), Arg)]));

const FieldType = z.strictObject({
  type: z.enum(['string', 'int', 'number', 'bool', 'money', 'phone', 'duration', 'time', 'enum']),
  values: z.array(z.string()).min(1).optional(),
  optional: z.boolean().optional(),
  pii: z.boolean().optional(),
});

const Retry = z.strictObject({
  maxAttempts: z.number().int().min(1).max(100),
  interval: Duration.optional(),
  backoffRate: z.number().min(1).max(10).optional(),
  maxInterval: Duration.optional(),
  nonRetryable: z.array(ErrorType).optional(),
});

export type YamlStep =
  | {
      id: string;
      type: 'call';
      call: string;
      args: Record<string, Arg>;
      result?: string;
      timeouts?: { startToClose?: string; scheduleToClose?: string };
      retry?: z.infer<typeof Retry>;
      compensate?: { call: string; args: Record<string, Arg> };
    }
  | {
      id: string;
      type: 'wait';
      result?: string;
      signal: { name: string; payload?: Record<string, z.infer<typeof FieldType>> };
      within: string;
      escalations?: Array<{ after: string; to?: string; steps: YamlStep[] }>;
      onTimeout?: YamlStep[];
    }
  | { id: string; type: 'if'; if: string; then: YamlStep[]; else?: YamlStep[] };

const Steps: z.ZodType<YamlStep[]> = z.lazy(() => z.array(Step));
const Step: z.ZodType<YamlStep> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.strictObject({
      id: Identifier,
      type: z.literal('call'),
      call: ActivityName,
      args: z.record(Identifier, Arg),
      result: Identifier.optional(),
      timeouts: z.strictObject({ startToClose: Duration.optional(), scheduleToClose: Duration.optional() }).optional(),
      retry: Retry.optional(),
      compensate: z.strictObject({ call: ActivityName, args: z.record(Identifier, Arg) }).optional(),
    }),
    z.strictObject({
      id: Identifier,
      type: z.literal('wait'),
      result: Identifier.optional(),
      signal: z.strictObject({ name: Identifier, payload: z.record(Identifier, FieldType).optional() }),
      within: Duration,
      escalations: z.array(z.strictObject({ after: Duration, to: z.string().min(1).optional(), steps: Steps })).optional(),
      onTimeout: Steps.optional(),
    }),
    z.strictObject({ id: Identifier, type: z.literal('if'), if: Expression, then: Steps, else: Steps.optional() }),
  ]),
);

export const YamlWorkflow = z.strictObject({
  workflow: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
  version: z.number().int().positive(),
  description: z.string(),
  input: z.record(Identifier, FieldType),
  index: z.array(Identifier).optional(),
  steps: Steps,
});
export type YamlWorkflow = z.infer<typeof YamlWorkflow>;

/** Reads and validates one YAML workflow; throws (YAMLException or ZodError) when it is wrong. */
export function loadYamlWorkflow(text: string): YamlWorkflow {
  return YamlWorkflow.parse(load(text));
}

export function countYamlSteps(steps: YamlStep[]): number {
  let n = 0;
  for (const s of steps) {
    n += 1;
    if (s.type === 'wait') n += (s.escalations ?? []).reduce((m, x) => m + countYamlSteps(x.steps), 0) + countYamlSteps(s.onTimeout ?? []);
    if (s.type === 'if') n += countYamlSteps(s.then) + countYamlSteps(s.else ?? []);
  }
  return n;
}
