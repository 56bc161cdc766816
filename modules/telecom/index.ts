/**
 * The telecom module: billing, dispatch, notification and complaints on PostgreSQL, with
 * everything they bring — their declarations (systems/*.flow), zod contracts and
 * implementations (src/), migrations, demo data (plans, areas, technicians, templates, a few
 * accounts: `npm start` loads them, nothing else does), and the relay that sends what the
 * notification outbox holds. svcflow's core names none of it; an embedder's module looks the same.
 */
import type { SvcflowModule } from '../../src/engine/module.js';
import { fromRoot } from '../../src/infra/paths.js';
import { consoleSender, createSystemActivities, type SystemDeps } from './src/systems/index.js';
import { startOutboxRelay } from './src/systems/notification.js';

export interface TelecomOptions extends Omit<SystemDeps, 'pool' | 'clock'> {
  /** How often the outbox relay sends what is still queued; 15 s by default. */
  relayEveryMs?: number;
}

export function telecomModule(options: TelecomOptions = {}): SvcflowModule {
  const sender = options.sender === undefined ? consoleSender : options.sender;
  return {
    name: 'telecom',
    migrations: fromRoot('modules/telecom/migrations'),
    demoData: fromRoot('modules/telecom/demo'),
    systems: fromRoot('modules/telecom/systems'),
    activities: ({ pool, clock }) => createSystemActivities({ ...options, pool, clock, sender }),
    start: ({ pool, clock }) => startOutboxRelay({ pool, clock, sender }, options.relayEveryMs),
  };
}

/** The module as `svcflow dev` runs it: messages printed on stderr. */
export const telecom: SvcflowModule = telecomModule();

export * from './src/systems/index.js';
export * from './src/catalog/index.js';
