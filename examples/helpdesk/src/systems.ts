// Written by `svcflow types` from the systems the project declares: run it again after changing them, do not edit.

/** The second argument of every operation, plain JSON in any language (README: "Serving a system from any worker"). */
export interface ActivityMeta {
  /** The same on every attempt and replay of one call: do the effect once per key. */
  idempotencyKey: string;
  /** The step that calls (`<step>:compensate` for its compensation). */
  step: string;
  process: string;
  version: number;
}

/** Support tickets kept by the helpdesk. Served on the instance's own task queue. */
export type TicketsSystem = {
  /** Open a ticket for a customer's question. Errors (non-retryable ApplicationFailure types): "tickets/blocked-customer" (this customer may not open tickets). */
  openTicket: (input: { customerEmail: string; subject: string }, meta: ActivityMeta) => Promise<{ ticketId: string; queue: "general" | "billing" }>;
  /** Close a ticket with the agent's resolution. */
  closeTicket: (input: { ticketId: string; resolution: string; agent: string }, meta: ActivityMeta) => Promise<{ closedAt: string }>;
  /** Hand a ticket nobody answered in time to a supervisor. */
  escalateTicket: (input: { ticketId: string; reason: string }, meta: ActivityMeta) => Promise<{ supervisor: string }>;
};

/** Every declared system, as `createWorker({ catalog, implementations })` takes them. */
export type SystemImplementations = {
  tickets: TicketsSystem;
};
