export * from './errors.js';
export * from './caller.js';
export * from './serve.js';
