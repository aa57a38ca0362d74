// The fleet simulator's pure parts: seeded randomness, robot wear physics, batches, signing.
export * from './control.js';
export * from './fleet.js';
export * from './random.js';
export * from './robot-physics.js';
export * from './signing.js';
