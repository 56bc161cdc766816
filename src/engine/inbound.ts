/**
 * Signals from the HTTP edge, exactly once. An inbound event is a row before it is a signal
 * (see migrations/…_inbound-deliveries.sql); the signal carries a request id made from that
 * row, and Temporal drops a second signal with a request id it has already taken for the same
 * execution (`SignalWorkflowExecutionRequest.request_id`). So a delivery retried after a crash
 * between the signal and the row's `delivered` mark, or by the relay, changes nothing.
 *
 * `checkSignal` is what `engine.signal` checks (the instance runs; its process waits for the
 * signal; the payload has the declared type), asked before anything is recorded, so an invalid
 * report writes nothing. The engine's own `signal` draws a random request id on each call, which
 * is why this module signals through the service itself.
 */
import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow/index.js';
import type { Step } from '../ir/schema.js';
import { validateFields } from '../ir/validate.js';
import { allSteps } from '../ir/walk.js';
import { ProcessHash } from '../workflows/search-attributes.js';
import type { Engine } from './engine.js';
import { InstanceNotRunningError, InvalidInputError, UnknownInstanceError, UnknownProcessError, UnknownSignalError } from './errors.js';

type WaitStep = Extract<Step, { kind: 'wait' }>;

/** gRPC NOT_FOUND: no such execution, or it has closed since it was described. */
const NOT_FOUND = 5;

/** Refuses, as `engine.signal` would, a signal the instance cannot take; writes and sends nothing. */
export async function checkSignal(engine: Engine, workflowId: string, name: string, payload: unknown): Promise<void> {
  let description;
  try {
    description = await engine.client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UnknownInstanceError(workflowId);
    throw err;
  }
  if (description.status.name !== 'RUNNING') throw new InstanceNotRunningError(workflowId, description.status.name);
  const hash = description.typedSearchAttributes.get(ProcessHash);
  const version = hash ? await engine.registry.byHash(hash) : undefined;
  if (!version) throw new UnknownProcessError(description.type, await engine.registry.names());
  const waits = [...allSteps(version.ir.steps)].filter((s): s is WaitStep => s.kind === 'wait' && s.trigger.type === 'signal');
  const wait = waits.find((w) => w.trigger.type === 'signal' && w.trigger.name === name);
  if (!wait || wait.trigger.type !== 'signal') throw new UnknownSignalError(version.ir.name, name, waits.map((w) => (w.trigger.type === 'signal' ? w.trigger.name : '')));
  const declared = wait.trigger.payload;
  if (declared?.t === 'record') {
    const problems = validateFields(declared.fields, payload ?? {});
    if (problems.length) throw new InvalidInputError(`'${name}' payload`, problems);
  }
}

/** Signals `workflowId` with a request id: the same request id twice is one signal in its history. */
export async function signalOnce(engine: Engine, workflowId: string, name: string, payload: unknown, requestId: string): Promise<void> {
  const { options } = engine.client;
  try {
    await engine.client.workflowService.signalWorkflowExecution({
      namespace: options.namespace,
      workflowExecution: { workflowId },
      signalName: name,
      input: { payloads: await encodeToPayloads(options.loadedDataConverter, payload) },
      identity: options.identity,
      requestId,
    });
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === NOT_FOUND) throw new InstanceNotRunningError(workflowId, 'closed');
    throw err;
  }
}
