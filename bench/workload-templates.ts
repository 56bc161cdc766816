/**
 * The message templates the workload sends, and their placeholders (the DSL checks vars against
 * them). Kept apart from workload.ts, which loads js-yaml, so that the DSL's cold start reads it alone.
 */
export const WORKLOAD_TEMPLATES: Array<{ id: string; placeholders: string[] }> = [
  { id: 'billing.charged', placeholders: ['orderId', 'chargeId', 'part'] },
  { id: 'billing.confirm.reminder', placeholders: ['orderId'] },
  { id: 'billing.confirm.expired', placeholders: ['orderId', 'part'] },
  { id: 'billing.urgent', placeholders: ['chargeId'] },
];
