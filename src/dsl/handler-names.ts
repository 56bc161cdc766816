/**
 * Names a signal or an update of a process cannot have: the ones Temporal keeps for itself (its
 * SDK refuses to register a handler under them, so every instance would fail its first workflow
 * task, again and again) and the ones svcflow's own workflow handlers use.
 */
const TEMPORAL_PREFIX = '__temporal_';
const RESERVED = new Set(['__stack_trace', '__enhanced_stack_trace', 'state', 'svcflow.message']);

/** Why `name` cannot name a signal or an update, or undefined. */
export function reservedHandlerName(name: string): string | undefined {
  if (name.startsWith(TEMPORAL_PREFIX)) return `names starting ${TEMPORAL_PREFIX} are Temporal's`;
  if (name === 'state' || name === 'svcflow.message') return `svcflow's own ${name === 'state' ? 'query' : 'signal'} is named so`;
  if (RESERVED.has(name)) return `Temporal's own query is named so`;
  return undefined;
}
