/**
 * The workflow bundle the svcflow worker loads. Deterministic code only (see eslint.config.js).
 */
export {};
