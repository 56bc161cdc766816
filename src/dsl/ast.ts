/**
 * The AST: what a process says, with the source range of every part. A tagged union on `kind`
 * (string kinds that read well in JSON); every switch over it ends in `assertNever`.
 */
import type { Range } from './diagnostics.js';
import type { BinaryOp } from '../ir/schema.js';

export type { Range };

export interface Name {
  name: string;
  range: Range;
}

// ── expressions ────────────────────────────────────────────────────────────────────────
export type Expr =
  | { kind: 'Literal'; value: string | number | boolean | null; range: Range }
  | { kind: 'Money'; fen: number; currency: string; range: Range }
  | { kind: 'Duration'; ms: number; range: Range }
  | { kind: 'BizDuration'; amount: number; unit: 'hours' | 'days'; range: Range }
  | { kind: 'Name'; name: string; range: Range }
  | { kind: 'Member'; object: Expr; property: Name; range: Range }
  | { kind: 'Index'; object: Expr; index: Expr; range: Range }
  | { kind: 'List'; items: Expr[]; range: Range }
  | { kind: 'Record'; fields: Array<{ name: Name; value: Expr }>; range: Range }
  | { kind: 'Unary'; op: 'not' | '-'; arg: Expr; range: Range }
  | { kind: 'Binary'; op: BinaryOp; left: Expr; right: Expr; range: Range }
  | { kind: 'Template'; parts: Array<string | Expr>; range: Range }
  | { kind: 'Call'; fn: Name; args: Expr[]; range: Range };

// ── types ──────────────────────────────────────────────────────────────────────────────
export type TypeNode =
  | { kind: 'NamedType'; name: string; range: Range }
  | { kind: 'EnumType'; values: string[]; range: Range }
  | { kind: 'ListType'; of: TypeNode; range: Range }
  | { kind: 'MapType'; of: TypeNode; range: Range }
  | { kind: 'RecordType'; fields: FieldNode[]; range: Range };

export interface FieldNode {
  name: Name;
  optional: boolean;
  type: TypeNode;
  annotations: Name[];
  range: Range;
}

// ── steps ──────────────────────────────────────────────────────────────────────────────
export interface Arg {
  name: Name;
  value: Expr;
}

export interface Invocation {
  activity: Name;
  args: Arg[];
  range: Range;
}

export interface RetryNode {
  attempts: number;
  everyMs?: number;
  backoff?: number;
  upToMs?: number;
  unless: string[];
  range: Range;
}

interface StepBase {
  /** `label:` written before the step. */
  label?: Name;
  /** The step's keyword (or its whole first line): where diagnostics about the step point. */
  range: Range;
}

export type Step =
  | (StepBase & { kind: 'CallStep'; call: Invocation; bind?: Name; timeout?: Expr; retry?: RetryNode; compensate?: Invocation })
  | (StepBase & { kind: 'CallProcessStep'; process: Name; args: Arg[]; bind?: Name })
  | (StepBase & {
      kind: 'WaitStep';
      bind?: Name;
      trigger:
        | { type: 'signal' | 'update'; name: Name; payload?: FieldNode[] }
        | { type: 'message'; name: Name; correlate: Arg[] };
      within?: Expr;
      onTimeout?: Step[];
      escalations: Array<{ after: Expr; level?: string; steps: Step[]; range: Range }>;
    })
  | (StepBase & { kind: 'SleepStep'; until: boolean; value: Expr })
  | (StepBase & { kind: 'IfStep'; branches: Array<{ when: Expr; steps: Step[] }>; otherwise?: Step[] })
  | (StepBase & { kind: 'MatchStep'; subject: Expr; cases: Array<{ values: Expr[]; steps: Step[] }>; otherwise?: Step[] })
  | (StepBase & { kind: 'ParallelStep'; mode: 'all' | 'first'; branches: Array<{ name?: Name; steps: Step[]; range: Range }> })
  | (StepBase & { kind: 'ForEachStep'; item: Name; list: Expr; steps: Step[] })
  | (StepBase & { kind: 'RepeatStep'; max: number; until?: Expr; steps: Step[] })
  | (StepBase & { kind: 'SetStep'; name: Name; value: Expr })
  /** `escalate to "group"`: the instance stands at that level from now on. */
  | (StepBase & { kind: 'EscalateStep'; level: Expr })
  | (StepBase & { kind: 'FailStep'; code: string; message?: Expr })
  | (StepBase & { kind: 'EndStep'; outcome: string; output?: Expr });

// ── declarations ───────────────────────────────────────────────────────────────────────
export interface CalendarNode {
  kind: 'Calendar';
  name: Name;
  description?: string;
  timezone?: { value: string; range: Range };
  works?: { fromDay: Name; toDay: Name; opens: Name; closes: Name };
  holidays: Array<{ value: string; range: Range }>;
  workdays: Array<{ value: string; range: Range }>;
  range: Range;
}

export interface ProcessNode {
  kind: 'Process';
  name: Name;
  version: { text: string; range: Range };
  description: string;
  input: FieldNode[];
  output: FieldNode[];
  index: Name[];
  /** Each `owner input.field` given, as its names (`input`, `field`); more than one is an error. */
  owners: Name[][];
  calendar?: Name;
  steps: Step[];
  range: Range;
}

/** `operation lookupCustomer "…" input { … } output { … } timeout 5s retry … errors { … }` */
export interface OperationNode {
  kind: 'Operation';
  name: Name;
  description?: string;
  /** Each `input { … }` and `output { … }` given (more than one of either is an error). */
  inputs: FieldNode[][];
  outputs: FieldNode[][];
  timeouts: Array<{ ms: number; range: Range }>;
  retries: RetryNode[];
  errors: Array<{ code: string; description: string; range: Range }>;
  range: Range;
}

/** `channel email "…" payload { … } correlate from` */
export interface ChannelNode {
  kind: 'Channel';
  name: Name;
  description?: string;
  payloads: FieldNode[][];
  correlate: Name[];
  range: Range;
}

/** `template "sp.confirm.request" (product, fee)` */
export interface TemplateNode {
  kind: 'Template';
  id: { value: string; range: Range };
  placeholders: Name[];
  range: Range;
}

export interface SystemNode {
  kind: 'System';
  name: Name;
  description?: string;
  queues: Array<{ value: string; range: Range }>;
  operations: OperationNode[];
  channels: ChannelNode[];
  templates: TemplateNode[];
  range: Range;
}

export interface FileNode {
  processes: ProcessNode[];
  calendars: CalendarNode[];
  systems: SystemNode[];
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
