/**
 * The signal, update and message handlers of an instance, registered from the waits of its IR.
 * Whatever a client sends — any shape, any size, no argument at all — a handler never throws
 * (a throwing handler fails every later workflow task): an event that does not match what the
 * process declared is dropped and counted (the `state` query's `rejected`), and the wait goes
 * on. Updates are refused by their validator instead, which writes nothing to history.
 */
import type { Patched } from './patches.js';
import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import type { ProcessIR, Step, TypeRef } from '../ir/schema.js';
import { allSteps } from '../ir/walk.js';
import type { Value } from './evaluate.js';
import type { Inbox } from './inbox.js';
import { channelPayloads, messageProblem, payloadProblem, readEnvelope, type Rules } from './payloads.js';

/** Guards dropping events that fail their check: histories from before it kept them. */
export const PAYLOADS_CHECKED_PATCH = 'svcflow-payloads-checked';
/**
 * Guards the tighter checks: bounds in UTF-8 bytes (a payload's texts, the inbox's budget), no
 * control characters in texts, times as the catalog has them. Histories from before them
 * measured characters, counted events only, and took such texts and times.
 */
export const CHECKS_TIGHTENED_PATCH = 'svcflow-checks-tightened';

export interface InboundMessage {
  channel: string;
  keys: Record<string, string>;
  payload: Value;
}

/** Signal carrying an inbound message (an e-mail, a reply to a message) to the instance waiting for it. */
export const messageSignal = wf.defineSignal<[InboundMessage]>('svcflow.message');

/** `email:from=ana@example.com` — how a message wait is found by the WaitingFor attribute. */
export function waitKey(channel: string, keys: Record<string, string>): string {
  return `${channel}:${Object.keys(keys)
    .sort()
    .map((k) => `${k}=${keys[k]}`)
    .join('&')}`;
}

function collect(steps: Step[], out: Map<string, { type: 'signal' | 'update'; payload?: TypeRef }>): void {
  for (const s of allSteps(steps)) {
    if (s.kind === 'wait' && s.trigger.type !== 'message') out.set(s.trigger.name, { type: s.trigger.type, payload: s.trigger.payload });
  }
}

/** Where the old handler (before the checks) kept a message, or undefined where it threw: no keys, or no message at all. */
function legacyKey(m: unknown): string | undefined {
  const old = m as { channel?: unknown; keys?: unknown } | null | undefined;
  if (old === null || old === undefined || old.keys === null || old.keys === undefined) return undefined;
  return `message:${waitKey(old.channel as string, old.keys as Record<string, string>)}`;
}

export interface HandlerState {
  /** Is a wait in progress for events under this key? */
  waitsFor(key: string): boolean;
  currentStep(): string;
  /** The instance's `patched()` (patches.ts): asked where a handler's behaviour changed. */
  patched: Patched;
}

/**
 * Registers the handlers, or fails the instance: a name the SDK refuses (`__stack_trace`, a
 * `__temporal_` name; the checker refuses them, a raw start's IR may not) would otherwise fail
 * every workflow task of the instance, retried forever. No patch: such an instance never
 * completed a workflow task, so there is no history to replay.
 */
export function registerHandlers(ir: ProcessIR, inbox: Inbox, now: HandlerState): void {
  try {
    register(ir, inbox, now);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`invalid process definition: ${err instanceof Error ? err.message : String(err)}`, 'svcflow/invalid-definition');
  }
}

function register(ir: ProcessIR, inbox: Inbox, now: HandlerState): void {
  /**
   * Keeps an event for its wait, or drops and counts it; replayed histories from before the
   * checks keep it. `problem(rules)`: what is wrong with the payload, by today's rules or by
   * those before they tightened. A marker only where the tighter checks alone refuse it.
   */
  const keep = (name: string, key: string, payload: Value, problem: (rules: Rules) => string | undefined): void => {
    const awaited = now.waitsFor(key);
    const why = problem('current') ?? inbox.fullProblem(key, awaited) ?? inbox.budgetProblem(key, awaited, payload);
    if (why === undefined) return inbox.put(key, payload);
    const before = problem('legacy') ?? inbox.fullProblem(key, awaited);
    if (before === undefined ? !now.patched(CHECKS_TIGHTENED_PATCH) : !now.patched(PAYLOADS_CHECKED_PATCH)) inbox.put(key, payload);
    else inbox.reject(name, why);
  };

  const waits = new Map<string, { type: 'signal' | 'update'; payload?: TypeRef }>();
  collect(ir.steps, waits);
  for (const [name, w] of waits) {
    if (w.type === 'signal') {
      wf.setHandler(wf.defineSignal<[unknown]>(name), (payload) => {
        const value = (payload ?? null) as Value;
        keep(name, `signal:${name}`, value, (rules) => payloadProblem(w.payload, value, rules));
      });
      continue;
    }
    wf.setHandler(
      wf.defineUpdate<{ accepted: true; step: string }, [unknown]>(name),
      async (payload) => {
        inbox.put(`update:${name}`, (payload ?? null) as Value);
        return { accepted: true, step: now.currentStep() };
      },
      {
        // A rejected update is never written to history; the caller is told why.
        validator: (payload) => {
          if (!now.waitsFor(`update:${name}`)) throw new Error(`${ir.name} is not waiting for '${name}' now (current step: ${now.currentStep()})`);
          const problem = payloadProblem(w.payload, (payload ?? null) as Value) ?? inbox.fullProblem(`update:${name}`, true) ?? inbox.budgetProblem(`update:${name}`, true, (payload ?? null) as Value);
          if (problem) throw new Error(`invalid '${name}' payload: ${problem}`);
        },
      },
    );
  }

  // A message is checked against its channel's declared payload; a channel none declares (IR
  // from before declared channels, or a channel no wait of this process takes): the legacy message record,
  // as before. No patch: the IR decides, and an IR from before has no declared payload.
  const declared = channelPayloads(ir.steps);
  wf.setHandler(messageSignal, (m: unknown) => {
    const read = readEnvelope(m);
    if ('envelope' in read) {
      const { channel, keys, payload } = read.envelope;
      return keep(`svcflow.message ${channel}`, `message:${waitKey(channel, keys)}`, payload, (rules) => messageProblem(payload, rules, declared.get(channel)));
    }
    const old = legacyKey(m);
    if (old !== undefined && !now.patched(PAYLOADS_CHECKED_PATCH)) inbox.put(old, (m as { payload: Value }).payload);
    else inbox.reject('svcflow.message', read.problem);
  });
}
