/**
 * The benchmark's workload: one logical process of N top-level steps (calls with timeouts and
 * retries, waits with escalations and a timeout branch, if/else), written out twice: as a
 * `.flow` file for the DSL and as YAML for the js-yaml + zod baseline. Both renderings come
 * from the same step list, so they describe the same process, step for step.
 */
import { dump } from 'js-yaml';

export { WORKLOAD_TEMPLATES } from './workload-templates.js';

/** A value: an expression (`input.fee`), a string literal, a number, or a record of values. */
export type Value = { expr: string } | string | number | { [field: string]: Value };

export type Step =
  | { kind: 'call'; id: string; activity: string; args: Record<string, Value>; bind?: string; timeout?: string; retry?: Retry }
  | { kind: 'wait'; id: string; signal: string; payload: Record<string, string>; within: string; escalate: Escalation; onTimeout: Step[] }
  | { kind: 'if'; id: string; when: string; then: Step[]; otherwise: Step[] };

export interface Retry {
  attempts: number;
  every: string;
  backoff: number;
  upTo: string;
  unless: string[];
}

export interface Escalation {
  after: string;
  to: string;
  steps: Step[];
}

export interface Workload {
  name: string;
  /** Top-level steps. */
  steps: number;
  /** Every step, nested ones included (escalations, timeout branches, both branches of an if). */
  allSteps: number;
  flow: string;
  yaml: string;
}

const e = (expr: string): Value => ({ expr });


function sms(id: string, template: string, vars?: Record<string, Value>): Step {
  const args: Record<string, Value> = { to: e('input.msisdn'), template };
  if (vars) args.vars = vars;
  return { kind: 'call', id, activity: 'notification.sendSms', args };
}

/** The k-th top-level step: a cycle of five kinds, the later ones using the earlier results. */
function step(k: number): Step {
  const charge = `charge${k - (k % 5)}`;
  switch (k % 5) {
    case 0:
      return {
        kind: 'call', id: `fee${k}`, activity: 'billing.charge', bind: charge, timeout: '10s',
        args: { accountId: e('input.accountId'), amount: e('input.fee'), reason: `monthly fee, part ${k}`, reference: e('input.orderId') },
        retry: { attempts: 5, every: '2s', backoff: 2, upTo: '1m', unless: ['billing/invalid-amount', 'billing/account-closed'] },
      };
    case 1:
      return sms(`notify${k}`, 'billing.charged', { orderId: e('input.orderId'), chargeId: e(`${charge}.chargeId`), part: String(k) });
    case 2:
      return {
        kind: 'wait', id: `confirm${k}`, signal: `customerConfirmed${k}`, payload: { ok: 'bool', note: 'string' }, within: '24h',
        escalate: { after: '12h', to: 'supervisor', steps: [sms(`remind${k}`, 'billing.confirm.reminder', { orderId: e('input.orderId') })] },
        onTimeout: [sms(`expired${k}`, 'billing.confirm.expired', { orderId: e('input.orderId'), part: String(k) })],
      };
    case 3:
      return {
        kind: 'if', id: `check${k}`, when: 'input.priority == "urgent" and input.parts > 1',
        then: [sms(`urgent${k}`, 'billing.urgent', { chargeId: e(`${charge}.chargeId`) })],
        otherwise: [
          {
            kind: 'call', id: `refund${k}`, activity: 'billing.refund',
            args: { chargeId: e(`${charge}.chargeId`), amount: e('input.fee'), reason: 'goodwill refund' },
          },
        ],
      };
    default:
      return { kind: 'call', id: `account${k}`, activity: 'billing.getAccount', args: { accountId: e('input.accountId') }, timeout: '5s' };
  }
}

export function countSteps(steps: Step[]): number {
  let n = 0;
  for (const s of steps) {
    n += 1;
    if (s.kind === 'wait') n += countSteps(s.escalate.steps) + countSteps(s.onTimeout);
    if (s.kind === 'if') n += countSteps(s.then) + countSteps(s.otherwise);
  }
  return n;
}

// ── the DSL rendering ─────────────────────────────────────────────────────────────────────
function flowValue(v: Value): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return String(v);
  if ('expr' in v && typeof v.expr === 'string') return v.expr;
  return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${flowValue(x)}`).join(', ')} }`;
}

function flowSteps(steps: Step[], indent: string, out: string[]): void {
  for (const s of steps) {
    switch (s.kind) {
      case 'call': {
        const args = Object.entries(s.args).map(([k, v]) => `${k}: ${flowValue(v)}`).join(', ');
        out.push(`${indent}${s.id}: call ${s.activity}(${args})${s.bind ? ` as ${s.bind}` : ''}`);
        if (s.timeout) out.push(`${indent}  timeout ${s.timeout}`);
        if (s.retry) {
          const r = s.retry;
          out.push(`${indent}  retry ${r.attempts} times every ${r.every} backoff ${r.backoff} up to ${r.upTo} unless ${r.unless.map((u) => JSON.stringify(u)).join(', ')}`);
        }
        break;
      }
      case 'wait': {
        const payload = Object.entries(s.payload).map(([k, t]) => `${k}: ${t}`).join(', ');
        out.push(`${indent}${s.id}: wait signal ${s.signal}(${payload}) within ${s.within}`);
        out.push(`${indent}  escalate after ${s.escalate.after} to ${JSON.stringify(s.escalate.to)} {`);
        flowSteps(s.escalate.steps, `${indent}    `, out);
        out.push(`${indent}  }`, `${indent}  on timeout {`);
        flowSteps(s.onTimeout, `${indent}    `, out);
        out.push(`${indent}  }`);
        break;
      }
      case 'if':
        out.push(`${indent}${s.id}: if ${s.when} {`);
        flowSteps(s.then, `${indent}  `, out);
        out.push(`${indent}} else {`);
        flowSteps(s.otherwise, `${indent}  `, out);
        out.push(`${indent}}`);
        break;
    }
  }
}

function toFlow(name: string, steps: Step[]): string {
  const out = [
    `# Generated by bench/workload.ts: ${steps.length} top-level steps.`,
    `process ${name} version 1`,
    `  "Charge a fee in parts, tell the customer, wait for their confirmation, refund where needed."`,
    `  input { orderId: string, accountId: string, msisdn: phone @pii, fee: money, parts: int, priority: "normal" | "urgent" }`,
    `  index orderId, accountId`,
    ``,
  ];
  flowSteps(steps, '  ', out);
  return `${out.join('\n')}\n`;
}

// ── the YAML rendering (the format of bench/yaml-workflow.ts) ─────────────────────────────
function yamlValue(v: Value): unknown {
  if (typeof v === 'string' || typeof v === 'number') return v;
  if ('expr' in v && typeof v.expr === 'string') return `\${ ${v.expr} }`;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, yamlValue(x)]));
}

function yamlSteps(steps: Step[]): unknown[] {
  return steps.map((s) => {
    switch (s.kind) {
      case 'call':
        return {
          id: s.id,
          type: 'call',
          call: s.activity,
          args: Object.fromEntries(Object.entries(s.args).map(([k, v]) => [k, yamlValue(v)])),
          ...(s.bind ? { result: s.bind } : {}),
          ...(s.timeout ? { timeouts: { startToClose: s.timeout } } : {}),
          ...(s.retry
            ? { retry: { maxAttempts: s.retry.attempts, interval: s.retry.every, backoffRate: s.retry.backoff, maxInterval: s.retry.upTo, nonRetryable: s.retry.unless } }
            : {}),
        };
      case 'wait':
        return {
          id: s.id,
          type: 'wait',
          signal: { name: s.signal, payload: Object.fromEntries(Object.entries(s.payload).map(([k, t]) => [k, { type: t }])) },
          within: s.within,
          escalations: [{ after: s.escalate.after, to: s.escalate.to, steps: yamlSteps(s.escalate.steps) }],
          onTimeout: yamlSteps(s.onTimeout),
        };
      case 'if':
        return { id: s.id, type: 'if', if: `\${ ${s.when} }`, then: yamlSteps(s.then), else: yamlSteps(s.otherwise) };
    }
  });
}

function toYaml(name: string, steps: Step[]): string {
  const doc = {
    workflow: name,
    version: 1,
    description: 'Charge a fee in parts, tell the customer, wait for their confirmation, refund where needed.',
    input: {
      orderId: { type: 'string' },
      accountId: { type: 'string' },
      msisdn: { type: 'phone', pii: true },
      fee: { type: 'money' },
      parts: { type: 'int' },
      priority: { type: 'enum', values: ['normal', 'urgent'] },
    },
    index: ['orderId', 'accountId'],
    steps: yamlSteps(steps),
  };
  return `# Generated by bench/workload.ts: ${steps.length} top-level steps.\n${dump(doc, { lineWidth: 120 })}`;
}

export function workload(size: number): Workload {
  const steps = Array.from({ length: size }, (_, k) => step(k));
  const name = `BillingInParts${size}`;
  return { name, steps: size, allSteps: countSteps(steps), flow: toFlow(name, steps), yaml: toYaml(name, steps) };
}
