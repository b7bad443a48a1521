export * from './schema';
export * from './scopes';
export * from './errors';
export * from './loader';
export * from './regions';
export * from './reserved-ids';
export * from './expiry';
export * from './prompts';
