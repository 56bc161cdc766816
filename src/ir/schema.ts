/**
 * The IR: the one definition of a compiled process. Plain JSON, parsed by this schema where it
 * enters svcflow (registry reads, hence every engine start; the compiler's output in the fixture
 * and property tests). The workflow checks only its outline (shape.ts): zod loaded per cached
 * workflow instance costs a megabyte each. Types come from z.infer.
 *
 * Step ids are stable (a label, else the result binding, else `<kind>:<what>` with an ordinal):
 * they become idempotency keys and the labels an operator sees in the Temporal Web UI.
 */
import { z } from 'zod';

import { IR_VERSION } from './version.js';

export { IR_VERSION };

/** A source position, kept so that run-time errors can point at the .flow line. */
export const Loc = z.object({ line: z.number().int(), column: z.number().int() });

// ── types of values ────────────────────────────────────────────────────────────────────
export type TypeRef =
  | { t: 'string' | 'int' | 'number' | 'bool' | 'money' | 'phone' | 'duration' | 'time' | 'any' }
  | { t: 'enum'; values: string[] }
  | { t: 'list'; of: TypeRef }
  /** A record of any field names, every value of type `of` (a template's variables). */
  | { t: 'map'; of: TypeRef }
  | { t: 'record'; fields: Field[] };
export interface Field {
  name: string;
  type: TypeRef;
  optional: boolean;
  pii: boolean;
}

export const TypeRef: z.ZodType<TypeRef> = z.lazy(() =>
  z.union([
    z.object({ t: z.enum(['string', 'int', 'number', 'bool', 'money', 'phone', 'duration', 'time', 'any']) }),
    z.object({ t: z.literal('enum'), values: z.array(z.string()).min(1) }),
    z.object({ t: z.literal('list'), of: TypeRef }),
    z.object({ t: z.literal('map'), of: TypeRef }),
    z.object({ t: z.literal('record'), fields: z.array(Field) }),
  ]),
);
export const Field: z.ZodType<Field> = z.lazy(() =>
  z.object({ name: z.string(), type: TypeRef, optional: z.boolean(), pii: z.boolean() }),
);

// ── expressions ────────────────────────────────────────────────────────────────────────
export const BINARY_OPS = ['+', '-', '*', '/', '%', '==', '!=', '<', '<=', '>', '>=', 'and', 'or', 'in'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export type Expr =
  | { k: 'lit'; value: string | number | boolean | null }
  | { k: 'money'; fen: number; currency: string }
  | { k: 'duration'; ms: number }
  | { k: 'bizDuration'; amount: number; unit: 'hours' | 'days'; calendar: string }
  | { k: 'var'; name: string }
  | { k: 'member'; object: Expr; property: string }
  | { k: 'index'; object: Expr; index: Expr }
  | { k: 'list'; items: Expr[] }
  | { k: 'record'; fields: Array<{ name: string; value: Expr }> }
  | { k: 'unary'; op: 'not' | '-'; arg: Expr }
  | { k: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { k: 'template'; parts: Array<string | Expr> }
  | { k: 'call'; fn: string; args: Expr[] };

export const Expr: z.ZodType<Expr> = z.lazy(() =>
  z.discriminatedUnion('k', [
    z.object({ k: z.literal('lit'), value: z.union([z.string(), z.number(), z.boolean(), z.null()]) }),
    z.object({ k: z.literal('money'), fen: z.number().int(), currency: z.string().length(3) }),
    z.object({ k: z.literal('duration'), ms: z.number().int().nonnegative() }),
    z.object({ k: z.literal('bizDuration'), amount: z.number().positive(), unit: z.enum(['hours', 'days']), calendar: z.string() }),
    z.object({ k: z.literal('var'), name: z.string() }),
    z.object({ k: z.literal('member'), object: Expr, property: z.string() }),
    z.object({ k: z.literal('index'), object: Expr, index: Expr }),
    z.object({ k: z.literal('list'), items: z.array(Expr) }),
    z.object({ k: z.literal('record'), fields: z.array(z.object({ name: z.string(), value: Expr })) }),
    z.object({ k: z.literal('unary'), op: z.enum(['not', '-']), arg: Expr }),
    z.object({ k: z.literal('binary'), op: z.enum(BINARY_OPS), left: Expr, right: Expr }),
    z.object({ k: z.literal('template'), parts: z.array(z.union([z.string(), Expr])) }),
    z.object({ k: z.literal('call'), fn: z.string(), args: z.array(Expr) }),
  ]),
);

// ── steps ──────────────────────────────────────────────────────────────────────────────
export const RetryPolicy = z.object({
  maximumAttempts: z.number().int().positive().optional(),
  initialIntervalMs: z.number().int().positive().optional(),
  backoffCoefficient: z.number().min(1).optional(),
  maximumIntervalMs: z.number().int().positive().optional(),
  nonRetryableErrorTypes: z.array(z.string()).optional(),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const ActivityInvocation = z.object({
  activity: z.string(),
  args: z.array(z.object({ name: z.string(), value: Expr })),
  /** The task queue of the activity's system, as its catalog declares it; absent: the instance's own queue. */
  taskQueue: z.string().min(1).max(200).optional(),
});
export type ActivityInvocation = z.infer<typeof ActivityInvocation>;

export const WaitTrigger = z.discriminatedUnion('type', [
  z.object({ type: z.literal('signal'), name: z.string(), payload: TypeRef.optional() }),
  z.object({ type: z.literal('update'), name: z.string(), payload: TypeRef.optional() }),
  /** A message addressed by business keys (an e-mail from a customer's address). */
  z.object({
    type: z.literal('message'),
    channel: z.string(),
    correlate: z.array(z.object({ name: z.string(), value: Expr })),
    /** The channel's payload, as its catalog declares it; absent (IR before declared channels): the record { from: phone, text, receivedAt: time, channel }. */
    payload: TypeRef.optional(),
  }),
]);
export type WaitTrigger = z.infer<typeof WaitTrigger>;

interface StepBase {
  id: string;
  loc: z.infer<typeof Loc>;
}
export type Step =
  | (StepBase & {
      kind: 'call';
      call: ActivityInvocation;
      bind?: string;
      startToCloseMs?: number;
      scheduleToCloseMs?: number;
      retry?: RetryPolicy;
      compensate?: ActivityInvocation;
    })
  | (StepBase & {
      kind: 'wait';
      bind?: string;
      trigger: WaitTrigger;
      within: Expr;
      onTimeout: Step[];
      escalations: Array<{ after: Expr; level?: string; steps: Step[] }>;
    })
  | (StepBase & { kind: 'sleep'; duration?: Expr; until?: Expr })
  | (StepBase & { kind: 'if'; branches: Array<{ when: Expr; steps: Step[] }>; otherwise: Step[] })
  | (StepBase & { kind: 'match'; subject: Expr; cases: Array<{ values: Expr[]; steps: Step[] }>; otherwise: Step[] })
  | (StepBase & { kind: 'parallel'; mode: 'all' | 'first'; branches: Array<{ name: string; steps: Step[] }> })
  | (StepBase & { kind: 'forEach'; item: string; list: Expr; steps: Step[] })
  | (StepBase & { kind: 'repeat'; max: number; until?: Expr; steps: Step[] })
  | (StepBase & { kind: 'set'; name: string; value: Expr })
  | (StepBase & { kind: 'callProcess'; process: string; args: Array<{ name: string; value: Expr }>; bind?: string })
  /** `escalate to "group"`: the instance's escalation level (EscalationLevel, the state query) from now on. */
  | (StepBase & { kind: 'escalate'; level: Expr })
  | (StepBase & { kind: 'fail'; code: string; message: Expr })
  | (StepBase & { kind: 'end'; outcome: string; output?: Expr });

export type StepKind = Step['kind'];

const base = { id: z.string().min(1), loc: Loc };
const Steps: z.ZodType<Step[]> = z.lazy(() => z.array(Step));
export const Step: z.ZodType<Step> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({
      ...base,
      kind: z.literal('call'),
      call: ActivityInvocation,
      bind: z.string().optional(),
      startToCloseMs: z.number().int().positive().optional(),
      scheduleToCloseMs: z.number().int().positive().optional(),
      retry: RetryPolicy.optional(),
      compensate: ActivityInvocation.optional(),
    }),
    z.object({
      ...base,
      kind: z.literal('wait'),
      bind: z.string().optional(),
      trigger: WaitTrigger,
      within: Expr,
      onTimeout: Steps,
      escalations: z.array(z.object({ after: Expr, level: z.string().optional(), steps: Steps })),
    }),
    z.object({ ...base, kind: z.literal('sleep'), duration: Expr.optional(), until: Expr.optional() }),
    z.object({ ...base, kind: z.literal('if'), branches: z.array(z.object({ when: Expr, steps: Steps })).min(1), otherwise: Steps }),
    z.object({
      ...base,
      kind: z.literal('match'),
      subject: Expr,
      cases: z.array(z.object({ values: z.array(Expr).min(1), steps: Steps })),
      otherwise: Steps,
    }),
    z.object({
      ...base,
      kind: z.literal('parallel'),
      mode: z.enum(['all', 'first']),
      branches: z.array(z.object({ name: z.string(), steps: Steps })).min(1),
    }),
    z.object({ ...base, kind: z.literal('forEach'), item: z.string(), list: Expr, steps: Steps }),
    z.object({ ...base, kind: z.literal('repeat'), max: z.number().int().positive(), until: Expr.optional(), steps: Steps }),
    z.object({ ...base, kind: z.literal('set'), name: z.string(), value: Expr }),
    z.object({
      ...base,
      kind: z.literal('callProcess'),
      process: z.string(),
      args: z.array(z.object({ name: z.string(), value: Expr })),
      bind: z.string().optional(),
    }),
    z.object({ ...base, kind: z.literal('escalate'), level: Expr }),
    z.object({ ...base, kind: z.literal('fail'), code: z.string(), message: Expr }),
    z.object({ ...base, kind: z.literal('end'), outcome: z.string(), output: Expr.optional() }),
  ]),
);

// ── calendars (business time) ──────────────────────────────────────────────────────────
export const Calendar = z.object({
  name: z.string(),
  timezone: z.string(),
  /** ISO weekdays 1 (Monday) … 7 (Sunday). */
  workdays: z.array(z.number().int().min(1).max(7)).min(1),
  /** Minutes after midnight. */
  opensAt: z.number().int().min(0).max(1439),
  closesAt: z.number().int().min(1).max(1440),
  /** ISO dates (YYYY-MM-DD) that are not worked. */
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)),
  /** ISO dates that are worked although their weekday is not (调休). */
  extraWorkdays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)),
});
export type Calendar = z.infer<typeof Calendar>;

// ── the process ────────────────────────────────────────────────────────────────────────
export const ProcessIR = z.object({
  irVersion: z.literal(IR_VERSION),
  name: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
  version: z.number().int().positive(),
  description: z.string(),
  input: z.array(Field),
  output: z.array(Field),
  /** Input fields that become the `BusinessKeys` search attribute. */
  index: z.array(z.string()),
  /** The input field (a path below `input`) that names the instance's owner: the `Owner` search attribute. */
  owner: z.array(z.string().min(1)).min(1).max(16).optional(),
  calendars: z.array(Calendar),
  steps: Steps,
  /** sha256 of the IR without this field (hex): what a running instance is pinned to. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  source: z.object({ file: z.string() }),
});
export type ProcessIR = z.infer<typeof ProcessIR>;

/** Parses untrusted JSON into IR, or throws a ZodError that says where it is wrong. */
export function parseIR(value: unknown): ProcessIR {
  return ProcessIR.parse(value);
}
