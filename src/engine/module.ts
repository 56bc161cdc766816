/**
 * A module: a set of systems brought to svcflow as one folder (`modules/<name>/`), as the
 * telecom one is. The engine knows no module by name; whoever assembles a runtime (the CLI, an
 * embedder) loads the modules it wants, applies their migrations (`migrateModule`), hosts their
 * activities on a worker, serves their HTTP adapters and runs their background relays.
 */
import type pg from 'pg';
import type { FastifyInstance } from 'fastify';
import type { Engine } from './engine.js';
import type { ChannelSpec } from './http/channels.js';

/** An activity implementation as a Temporal worker registers it: `(input, meta) => output`. */
export type ActivityFunction = (input: never, meta?: never) => Promise<unknown>;

/** What a module's parts are given by the runtime that loads them. */
export interface ModuleContext {
  /** The database the module's migrations were applied to. */
  pool: pg.Pool;
  clock: () => Date;
}

/** What a module's HTTP adapters and relays are given besides: the engine, to reach instances, and the declared channels. */
export interface ModuleServices extends ModuleContext {
  engine: Engine;
  channels: ReadonlyMap<string, ChannelSpec>;
}

export interface SvcflowModule {
  /** Lower-case letters, digits and _; also names its migration histories (`<name>_migrations`). */
  name: string;
  /** A folder of node-pg-migrate migrations (plain SQL), applied by `migrateModule`. */
  migrations?: string;
  /** A folder of migrations holding demo data: applied only when asked (`npm start`), never by tests that do not. */
  demoData?: string;
  /** A folder of `.flow` files declaring the module's systems. */
  systems?: string;
  /** The activity implementations, keyed by activity type (`crm.lookupCustomer`), ready for a worker. */
  activities?(ctx: ModuleContext): Record<string, ActivityFunction>;
  /** Adds the module's HTTP adapters to the runtime's server (after its generic routes). */
  routes?(app: FastifyInstance, services: ModuleServices): void | Promise<void>;
  /** Starts background work (relays) next to a worker; the returned function stops it. */
  start?(services: ModuleServices): () => void | Promise<void>;
}
