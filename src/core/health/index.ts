export * from './maintenance-codes.js';
export * from './prognosis.js';
