export * from './errors.js';
export * from './caller.js';
export * from './serve.js';
export * from './form.js';
export * from './ajr.js';
export * from './validate.js';
export * from './openapi.js';
export * from './soap-fault.js';
