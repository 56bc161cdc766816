/**
 * Complaint work orders (投诉工单): first-contact owner, level in the three-level network
 * (city → province → group), deadline per level, resolution, callback and closing.
 */
import { z } from 'zod';
import { defineActivity, DEFAULT_RETRY, DurationMs, Money, Phone, Time } from './contract.js';

export const ComplaintLevel = z.enum(['city', 'province', 'group']);
export const ComplaintCategory = z.enum(['billing', 'network', 'service', 'sp-charge', 'installation']);
/** `regulator`: the customer went over the operator's head; counted as the failure to prevent. */
export const ComplaintChannel = z.enum(['hotline', 'ivr', 'sms', 'web', 'counter', 'email', 'chat', 'regulator']);
export const ComplaintState = z.enum(['open', 'resolved', 'closed']);

const Staff = z.string().describe('staff or team id');

const WRITE = { ...DEFAULT_RETRY };
const READ = { ...DEFAULT_RETRY, maximumAttempts: 5 };

const NOT_FOUND = { 'complaints/not-found': 'no complaint has this id' };
const CLOSED = { 'complaints/closed': 'the complaint is already closed' };
const UNKNOWN_OWNER = { 'complaints/unknown-owner': 'the staff or team id is not known to the complaint system' };

export const complaints = {
  openComplaint: defineActivity({
    name: 'complaints.openComplaint',
    system: 'complaints',
    description: 'Open a complaint work order at city level, owned by whoever received it, with a deadline.',
    input: z.object({
      msisdn: Phone,
      accountId: z.string().optional(),
      category: ComplaintCategory,
      channel: ComplaintChannel,
      description: z.string().describe("the customer's complaint in their words"),
      firstContactOwner: Staff.describe('who received the complaint; owns it until it is closed (首问负责)'),
      relatedId: z.string().optional().describe('the charge, subscription or work order complained about'),
      timeLimit: DurationMs.optional().describe("overrides the category's standard time limit at city level"),
    }),
    output: z.object({
      complaintId: z.string(),
      level: ComplaintLevel,
      owner: z.string(),
      deadline: Time.describe('when the complaint must be resolved at its current level'),
      openedAt: Time,
    }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { ...UNKNOWN_OWNER },
  }),

  assignOwner: defineActivity({
    name: 'complaints.assignOwner',
    system: 'complaints',
    description: 'Hand the complaint to a person or team to work on; the first-contact owner stays on record and is informed.',
    input: z.object({ complaintId: z.string(), owner: Staff, note: z.string().optional() }),
    output: z.object({ owner: z.string(), previousOwner: z.string(), assignedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { ...NOT_FOUND, ...CLOSED, ...UNKNOWN_OWNER },
  }),

  escalate: defineActivity({
    name: 'complaints.escalate',
    system: 'complaints',
    description: 'Raise an unresolved complaint to the next level (city → province → group), which sets a new deadline.',
    input: z.object({
      complaintId: z.string(),
      toLevel: ComplaintLevel,
      reason: z.string().describe('why, e.g. "city deadline passed"'),
      owner: Staff.optional().describe("the new level's owner; the level's complaint desk when omitted"),
    }),
    output: z.object({
      level: ComplaintLevel,
      owner: z.string(),
      deadline: Time.describe('the new deadline at this level'),
      escalatedAt: Time,
    }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      ...NOT_FOUND,
      ...CLOSED,
      ...UNKNOWN_OWNER,
      'complaints/invalid-level': 'the target level is not above the current level',
    },
  }),

  resolve: defineActivity({
    name: 'complaints.resolve',
    system: 'complaints',
    description: 'Record how the complaint was resolved (and any refund); tells whether it was within the deadline.',
    input: z.object({
      complaintId: z.string(),
      outcome: z.enum(['upheld', 'partly-upheld', 'rejected']).describe("whether the customer's complaint was justified"),
      resolution: z.string().describe('what was done, as told to the customer'),
      resolvedBy: Staff.optional(),
      refund: Money.optional().describe('money returned to the customer, if any'),
      refundId: z.string().optional().describe('the billing refund or compensation that paid it'),
    }),
    output: z.object({
      state: ComplaintState,
      resolvedAt: Time,
      withinDeadline: z.boolean().describe('counted in the assessment of the level that resolved it'),
    }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { ...NOT_FOUND, ...CLOSED },
  }),

  recordCallback: defineActivity({
    name: 'complaints.recordCallback',
    system: 'complaints',
    description: "Record the customer's answer to the callback after resolution; a dissatisfied answer reopens the complaint.",
    input: z.object({
      complaintId: z.string(),
      reached: z.boolean().describe('false when the customer could not be reached'),
      satisfied: z.boolean().optional().describe('omitted when the customer was not reached'),
      note: z.string().optional(),
    }),
    output: z.object({ state: ComplaintState, recordedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      ...NOT_FOUND,
      ...CLOSED,
      'complaints/not-resolved': 'the complaint has no resolution yet',
    },
  }),

  closeComplaint: defineActivity({
    name: 'complaints.closeComplaint',
    system: 'complaints',
    description: 'Close a resolved complaint; this ends the first-contact owner\'s responsibility (closing twice is harmless).',
    input: z.object({ complaintId: z.string(), note: z.string().optional() }),
    output: z.object({ state: ComplaintState, closedAt: Time, withinDeadline: z.boolean() }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { ...NOT_FOUND, 'complaints/not-resolved': 'the complaint has no resolution yet' },
  }),

  closeUnresolved: defineActivity({
    name: 'complaints.closeUnresolved',
    system: 'complaints',
    description:
      'Close a complaint its process can no longer handle (cancelled, or failed), resolved or not, recording why; its deadline is no longer counted as met. As a compensation, only the complaint its own step opened (closing twice is harmless).',
    input: z.object({ complaintId: z.string(), reason: z.string() }),
    output: z.object({ state: ComplaintState, closedAt: Time.optional().describe('absent when a compensation found nothing of its own step to close') }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { ...NOT_FOUND },
  }),

  getComplaint: defineActivity({
    name: 'complaints.getComplaint',
    system: 'complaints',
    description: 'Read a complaint work order: state, level, owner, deadline, resolution and callback answer.',
    input: z.object({ complaintId: z.string() }),
    output: z.object({
      complaintId: z.string(),
      msisdn: Phone,
      category: ComplaintCategory,
      channel: ComplaintChannel,
      state: ComplaintState,
      level: ComplaintLevel,
      owner: z.string(),
      firstContactOwner: z.string(),
      deadline: Time,
      openedAt: Time,
      resolvedAt: Time.optional(),
      resolution: z.string().optional(),
      satisfied: z.boolean().optional().describe('the callback answer, once recorded'),
    }),
    idempotent: true, startToCloseMs: 5_000, retry: READ,
    errors: { ...NOT_FOUND },
  }),
} as const;
