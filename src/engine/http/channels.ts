/**
 * POST /channels/:channel/messages — a message on a channel the catalog declares (an e-mail, a
 * web form, a reply to a text message), delivered to the instance waiting for it, found by the channel's
 * declared `correlate` fields of the payload. Recorded, then delivered (src/engine/inbound.ts):
 * a 202 means the message is a row in PostgreSQL; with an Idempotency-Key, a repeated or
 * concurrent POST is the same message (200, `duplicate: true`), whichever instance took it.
 *
 * The body is the payload itself, checked against the channel's declared payload type (as the
 * instance checks it) before anything is recorded: an unknown channel is a 404, a payload without
 * a correlation field a 400, one of the wrong type a 422.
 */
import type { FastifyInstance } from 'fastify';
import { text, type Value } from '../../workflows/evaluate.js';
import { checkKeys, checkPayload } from '../inputs.js';
import { deliverMessage, recordMessage, type InboundDeps, type MessageState } from '../inbound.js';
import { HttpError, idempotencyKey, recordBody } from './errors.js';

import { channelPayloadType, type ChannelSpec } from '../../dsl/catalog.js';
export type { ChannelSpec };

/** The part of a catalog (src/dsl/catalog.ts: `Catalog`) the inbound routes read: its systems' channels. */
export interface ChannelCatalog {
  systems: Array<{ name: string; channels: ChannelSpec[] }>;
}

/** Every declared channel by name (a Map: a channel named `constructor` is a channel like any other). */
export function channelsOf(catalog: ChannelCatalog | undefined): ReadonlyMap<string, ChannelSpec> {
  const out = new Map<string, ChannelSpec>();
  for (const system of catalog?.systems ?? []) for (const c of system.channels) out.set(c.name, c);
  return out;
}


/** The correlation keys of a payload on `channel`: its declared `correlate` fields, as texts. */
export function correlationOf(channel: ChannelSpec, payload: Record<string, unknown>): Record<string, string> {
  const keys: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const field of channel.correlate) {
    const value = Object.hasOwn(payload, field) ? payload[field] : undefined;
    if (value === undefined || value === null) {
      throw new HttpError(400, 'http/missing-correlation', `body: '${field}' is missing; messages on ${channel.name} are correlated by ${channel.correlate.join(', ')}`);
    }
    keys[field] = text(value as Value);
  }
  return checkKeys(channel.name, keys);
}

/** Checks a message against its channel's declaration: the correlation keys, then the payload's type. */
export function checkedMessage(channel: ChannelSpec, body: unknown): { keys: Record<string, string>; payload: Record<string, unknown> } {
  const payload = recordBody(body);
  const keys = correlationOf(channel, payload);
  checkPayload(`message on ${channel.name}`, channelPayloadType(channel), payload);
  return { keys, payload };
}

export interface ReceivedMessage extends MessageState {
  duplicate: boolean;
}

/** Records a checked message on `channel`, then delivers it (or finds the one recorded under the same key). */
export async function receiveMessage(deps: InboundDeps, channel: ChannelSpec, body: unknown, requestId: string | null): Promise<ReceivedMessage> {
  const { keys, payload } = checkedMessage(channel, body);
  const recorded = await recordMessage(deps.pool, { channel: channel.name, keys, payload: payload as Value, requestId }, deps.clock());
  // A duplicate helps finish a delivery a crashed attempt left (the claim keeps it to one attempt at a time).
  const state = await deliverMessage(deps, recorded.id);
  return { ...state, duplicate: recorded.duplicate };
}

export function channelRoutes(app: FastifyInstance, deps: InboundDeps, channels: ReadonlyMap<string, ChannelSpec>): void {
  app.post<{ Params: { channel: string } }>('/channels/:channel/messages', async (req, reply) => {
    const channel = channels.get(req.params.channel);
    if (!channel) {
      const known = [...channels.keys()];
      throw new HttpError(404, 'http/unknown-channel', `no channel ${JSON.stringify(req.params.channel)} is declared; declared: ${known.length ? known.join(', ') : '(none)'}`);
    }
    const received = await receiveMessage(deps, channel, req.body, idempotencyKey(req.headers['idempotency-key']));
    if (received.state === 'rejected') throw new HttpError(422, 'engine/invalid-input', received.error ?? 'the message cannot be delivered');
    const { id, state, deliveredTo, duplicate } = received;
    return reply.status(duplicate ? 200 : 202).send({ messageId: id, channel: channel.name, state, matched: state === 'delivered', ...(deliveredTo ? { deliveredTo } : {}), ...(duplicate ? { duplicate } : {}) });
  });
}
