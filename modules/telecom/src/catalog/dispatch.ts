/**
 * Dispatch (派单/装维): appointment slots, technician work orders (install, move, repair) and
 * their states, escalation of overdue orders, the number-allocation pool and exchange ports.
 */
import { z } from 'zod';
import { defineActivity, DEFAULT_RETRY, DurationMs, Phone, Time } from './contract.js';

/** A service address; `city` is what same-city relocation is checked against. */
export const Address = z
  .object({
    city: z.string(),
    district: z.string().optional(),
    street: z.string().describe('street, building, unit and room'),
  })
  .describe('a service address');

export const WorkOrderType = z.enum(['install', 'move', 'repair']);
/** Every state a work order can be in; `cancelled` is reached only through cancelWorkOrder. */
export const WorkOrderState = z.enum(['created', 'assigned', 'on_site', 'done', 'failed', 'cancelled']);

const Area = z.string().describe('service area code (the exchange/grid a technician team covers)');

const WRITE = { ...DEFAULT_RETRY };
const READ = { ...DEFAULT_RETRY, maximumAttempts: 5 };
/** Switch provisioning is slow and occasionally busy: fewer, wider-spaced attempts. */
const PROVISION = { ...DEFAULT_RETRY, maximumAttempts: 8, initialIntervalMs: 5_000, maximumIntervalMs: 120_000 };

export const dispatch = {
  findSlots: defineActivity({
    name: 'dispatch.findSlots',
    system: 'dispatch',
    description: 'List the appointment windows in an area that still have technician capacity between two instants.',
    input: z.object({
      area: Area,
      from: Time,
      to: Time,
      type: WorkOrderType.optional().describe('kind of visit, when capacity differs per kind'),
    }),
    output: z.object({
      slots: z.array(
        z.object({ windowStart: Time, windowEnd: Time, capacity: z.number().int().describe('visits still bookable') }),
      ),
    }),
    idempotent: true, startToCloseMs: 10_000, retry: READ,
    errors: {
      'dispatch/unknown-area': 'the area code is not served by any technician team',
      'dispatch/invalid-range': '`to` is not after `from`, or the range is longer than the booking horizon (14 days)',
    },
  }),

  bookSlot: defineActivity({
    name: 'dispatch.bookSlot',
    system: 'dispatch',
    description: 'Book the time window the customer chose for a technician visit; the visit must happen inside it.',
    input: z.object({ area: Area, windowStart: Time, windowEnd: Time, type: WorkOrderType.optional() }),
    output: z.object({ bookingId: z.string(), windowStart: Time, windowEnd: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      'dispatch/no-slot': 'the window is full or no longer offered',
      'dispatch/unknown-area': 'the area code is not served by any technician team',
    },
  }),

  releaseSlot: defineActivity({
    name: 'dispatch.releaseSlot',
    system: 'dispatch',
    description: 'Give a booked window back so another customer can take it (releasing twice is harmless). As a compensation, it undoes only what the step it compensates made.',
    input: z.object({ bookingId: z.string() }),
    output: z.object({ released: z.boolean().describe('false when it had already been released') }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { 'dispatch/booking-not-found': 'no booking has this id' },
  }),

  createWorkOrder: defineActivity({
    name: 'dispatch.createWorkOrder',
    system: 'dispatch',
    description: 'Open a technician work order to install, move or repair a line, for the booked window if there is one.',
    input: z.object({
      type: WorkOrderType,
      accountId: z.string().optional(),
      number: Phone.optional().describe('the line concerned, when it already has a number'),
      contactPhone: Phone.describe('where the technician reaches the customer'),
      address: Address.describe('where the technician goes (the new address for a move)'),
      fromAddress: Address.optional().describe('the old address, for a move'),
      bookingId: z.string().optional().describe('the appointment window; omitted for repairs dispatched at once'),
      description: z.string().optional().describe('the fault as the customer reported it, or notes for the visit'),
      priority: z.enum(['normal', 'urgent']).optional(),
      dueBy: Time.optional().describe('when the work must be done (the step time limit of a repair)'),
    }),
    output: z.object({ workOrderId: z.string(), state: WorkOrderState, createdAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      'dispatch/booking-not-found': 'the booking id is unknown or the booking was released',
      'dispatch/booking-used': 'the booking is already attached to another work order',
      'dispatch/address-not-served': 'no technician team covers the address',
    },
  }),

  assignTechnician: defineActivity({
    name: 'dispatch.assignTechnician',
    system: 'dispatch',
    description: 'Give a work order to a technician: the one named, or the dispatcher picks one for the area and window.',
    input: z.object({
      workOrderId: z.string(),
      technicianId: z.string().optional().describe('omit to let dispatch choose'),
    }),
    output: z.object({
      technicianId: z.string(),
      technicianName: z.string(),
      technicianPhone: Phone,
      state: WorkOrderState,
    }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      'dispatch/work-order-not-found': 'no work order has this id',
      'dispatch/invalid-transition': 'the work order is already on site, done, failed or cancelled',
      'dispatch/no-technician': 'no technician is free for the area and window (or the one named is not)',
    },
  }),

  updateWorkOrder: defineActivity({
    name: 'dispatch.updateWorkOrder',
    system: 'dispatch',
    description: 'Move a work order to its next state (assigned, on site, done, failed), recording when and why.',
    input: z.object({
      workOrderId: z.string(),
      state: z.enum(['created', 'assigned', 'on_site', 'done', 'failed']),
      at: Time.optional().describe('when it happened; now when omitted'),
      note: z.string().optional(),
      failureReason: z.string().optional().describe('required by dispatch when the state is failed'),
    }),
    output: z.object({ workOrderId: z.string(), previousState: WorkOrderState, state: WorkOrderState, updatedAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      'dispatch/work-order-not-found': 'no work order has this id',
      'dispatch/invalid-transition': 'the state cannot follow the current one (e.g. done after failed, anything after cancelled)',
    },
  }),

  escalateWorkOrder: defineActivity({
    name: 'dispatch.escalateWorkOrder',
    system: 'dispatch',
    description: "Flag an overdue step of a work order and raise it to the team's supervisor (then the next level up).",
    input: z.object({
      workOrderId: z.string(),
      step: z.enum(['accept', 'dispatch', 'on_site', 'repair']).describe('the step whose time limit passed'),
      overdueBy: DurationMs.optional(),
      reason: z.string().optional(),
    }),
    output: z.object({
      escalationLevel: z.number().int().describe('1 = team supervisor, 2 = area manager, 3 = city operations'),
      escalatedTo: z.string().describe('who was alerted'),
    }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      'dispatch/work-order-not-found': 'no work order has this id',
      'dispatch/work-order-closed': 'the work order is already done, failed or cancelled',
    },
  }),

  cancelWorkOrder: defineActivity({
    name: 'dispatch.cancelWorkOrder',
    system: 'dispatch',
    description: 'Cancel a work order that is no longer needed and free its booked window (cancelling twice is harmless). As a compensation, it undoes only what the step it compensates made.',
    input: z.object({ workOrderId: z.string(), reason: z.string() }),
    output: z.object({ state: WorkOrderState, cancelledAt: Time.optional().describe('absent when a compensation found nothing of its own step to cancel'), bookingReleased: z.boolean() }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      'dispatch/work-order-not-found': 'no work order has this id',
      'dispatch/invalid-transition': 'the work order is already done or failed',
    },
  }),

  reserveNumber: defineActivity({
    name: 'dispatch.reserveNumber',
    system: 'dispatch',
    description: 'Reserve the number chosen at the counter in the allocation pool so nobody else gets it.',
    input: z.object({
      number: Phone,
      accountId: z.string().optional(),
      holdFor: DurationMs.optional().describe('how long the reservation lasts; 72h when omitted'),
    }),
    output: z.object({ reservationId: z.string(), number: Phone, expiresAt: Time }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: {
      'dispatch/number-unavailable': 'the number is taken, reserved by someone else, or not in the pool',
    },
  }),

  releaseNumber: defineActivity({
    name: 'dispatch.releaseNumber',
    system: 'dispatch',
    description: 'Give a reserved number back to the pool when the order fails (releasing twice is harmless). As a compensation, it undoes only what the step it compensates made.',
    input: z.object({ reservationId: z.string() }),
    output: z.object({ released: z.boolean().describe('false when it had already been released or used') }),
    idempotent: true, startToCloseMs: 10_000, retry: WRITE,
    errors: { 'dispatch/reservation-not-found': 'no reservation has this id' },
  }),

  portLine: defineActivity({
    name: 'dispatch.portLine',
    system: 'dispatch',
    description: 'Connect the number to a port at the exchange serving the (new) address and activate it.',
    input: z.object({
      number: Phone,
      address: Address,
      workOrderId: z.string().optional().describe('the install or move order this port is for'),
    }),
    output: z.object({ portId: z.string(), exchange: z.string(), activatedAt: Time }),
    idempotent: true, startToCloseMs: 60_000, retry: PROVISION,
    errors: {
      'dispatch/address-not-served': 'no exchange serves the address',
      'dispatch/no-free-port': 'the exchange serving the address has no free port',
    },
  }),

  releasePort: defineActivity({
    name: 'dispatch.releasePort',
    system: 'dispatch',
    description: "Free the number's old exchange port, only once its new port works. As a compensation, it undoes only what the step it compensates made.",
    input: z.object({ portId: z.string(), number: Phone }),
    output: z.object({ released: z.boolean().describe('false when it had already been released, or (as a compensation) is not its step\'s'), releasedAt: Time.optional() }),
    idempotent: true, startToCloseMs: 60_000, retry: PROVISION,
    errors: {
      'dispatch/port-not-found': 'no port has this id, or it does not carry this number',
      'dispatch/last-active-port': 'the port is the only working port of the number (the new port is not active yet)',
    },
  }),
} as const;
