// Telemetry domain rules: payload validation, the batch ledger record, rollup math, alert
// rules, usage counters and health grading. Pure and synchronous; no framework, no database.
export * from './alerts.js';
export * from './batch-digest.js';
export * from './batch-evidence.js';
export * from './batch-payload.js';
export * from './counters.js';
export * from './health.js';
export * from './payload.js';
export * from './rollups.js';
export * from './signed-json.js';
