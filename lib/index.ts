/**
 * Microplane's public API, for platform engineers composing its constructs in their own stacks.
 */
export * from './catalog';
export * from './config';
export * from './constructs/budget-throttling';
export * from './constructs/documents-api';
export * from './constructs/gateway';
export * from './constructs/identity';
export * from './constructs/llm-proxy';
export * from './constructs/microplane-function';
export * from './constructs/model-hosting';
export * from './constructs/model-invocation-logging';
export * from './constructs/platform-monitoring';
export * from './constructs/platform-network';
export * from './constructs/schema-provisioner';
export * from './constructs/secret-access';
export * from './constructs/service-token-key';
export * from './constructs/service-token-provider';
export * from './constructs/tenant-api';
export * from './constructs/tenant-database';
export * from './constructs/tenant-apps';
export * from './constructs/tenant-budgets';
export * from './constructs/tenant-keys';
export * from './constructs/tenant-role';
export * from './constructs/tenant-schema';
export * from './constructs/tenant-vector-index';
export * from './constructs/token-exchange';
export * from './constructs/usage-plans';
export * from './constructs/vector-store';
export * from './deploying-role';
export * from './microplane';
export * from './platform-parameters';
export * from './stacks/models-stack';
export * from './stacks/platform-stack';
export * from './stacks/tenant-stack';
