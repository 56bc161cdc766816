/**
 * The helpdesk's implementation of the `tickets` system (systems/tickets.flow), typed by the
 * types `svcflow types` wrote (systems.ts): an input, an output or an operation that does not
 * match the declaration fails `tsc`. The tickets are kept in memory here; a real one would call
 * the helpdesk's API or database, recording each effect under `meta.idempotencyKey` in the same
 * transaction, so that a retried call changes nothing.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TicketsSystem } from './systems.js';

export interface Ticket {
  ticketId: string;
  customerEmail: string;
  subject: string;
  status: 'open' | 'closed' | 'escalated';
  resolution?: string;
}

/** The ticket system and what it holds (the test reads it). */
export function createTickets(blocked: ReadonlySet<string> = new Set()): { tickets: TicketsSystem; store: Map<string, Ticket> } {
  const store = new Map<string, Ticket>();
  /** The ticket each call opened, by idempotency key: a retry gets the same ticket, not a second one. */
  const opened = new Map<string, string>();
  const find = (ticketId: string): Ticket => {
    const ticket = store.get(ticketId);
    if (!ticket) throw ApplicationFailure.create({ type: 'tickets/unknown-ticket', nonRetryable: true, message: `no ticket ${ticketId}` });
    return ticket;
  };
  const tickets: TicketsSystem = {
    openTicket: async ({ customerEmail, subject }, meta) => {
      if (blocked.has(customerEmail)) throw ApplicationFailure.create({ type: 'tickets/blocked-customer', nonRetryable: true, message: 'this customer may not open tickets' });
      let ticketId = opened.get(meta.idempotencyKey);
      if (!ticketId) {
        ticketId = `T-${store.size + 1}`;
        opened.set(meta.idempotencyKey, ticketId);
        store.set(ticketId, { ticketId, customerEmail, subject, status: 'open' });
      }
      return { ticketId, queue: /invoice|refund|charge/i.test(subject) ? 'billing' : 'general' };
    },
    closeTicket: async ({ ticketId, resolution }) => {
      Object.assign(find(ticketId), { status: 'closed', resolution });
      return { closedAt: new Date().toISOString() };
    },
    escalateTicket: async ({ ticketId }) => {
      find(ticketId).status = 'escalated';
      return { supervisor: 'duty-supervisor' };
    },
  };
  return { tickets, store };
}
