/**
 * The telecom module: billing, dispatch, notification and complaints on PostgreSQL, with
 * everything they bring — their declarations (systems/*.flow), zod contracts and
 * implementations (src/), migrations, demo data (plans, areas, technicians, templates, a few
 * accounts: `npm start` loads them, nothing else does), its HTTP adapters (inbound SMS,
 * technicians' reports) and the relays that send what the notification outbox holds and deliver
 * what the adapters recorded. svcflow's core names none of it; an embedder's module looks the same.
 */
import type { SvcflowModule } from '../../src/engine/module.js';
import { fromRoot } from '../../src/infra/paths.js';
import { consoleSender, createSystemActivities, type SystemDeps } from './src/systems/index.js';
import { startOutboxRelay } from './src/systems/notification.js';
import { startTelecomRelays, telecomRoutes } from './src/http/routes.js';

export interface TelecomOptions extends Omit<SystemDeps, 'pool' | 'clock'> {
  /** How often the relays send what the outbox holds and deliver what was recorded and not delivered; 15 s by default. */
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
    // Inbound SMS replies and technicians' reports, as adapters over svcflow's inbound interfaces.
    routes: (app, services) => telecomRoutes(app, { ...services, notification: { pool: services.pool, clock: services.clock, sender } }),
    start: (services) => {
      const notification = { pool: services.pool, clock: services.clock, sender };
      const stops = [startOutboxRelay(notification, options.relayEveryMs), startTelecomRelays({ ...services, notification }, options.relayEveryMs)];
      return () => stops.forEach((stop) => stop());
    },
  };
}

/** The module as `svcflow dev` runs it: messages printed on stderr. */
export const telecom: SvcflowModule = telecomModule();

export * from './src/systems/index.js';
export * from './src/catalog/index.js';
export { createHttpServer, telecomRoutes, SMS_REPLY, type TelecomHttpOptions } from './src/http/routes.js';
