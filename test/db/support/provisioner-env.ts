// Imported before the handler module, whose production dependencies read the environment at load.
export const ROLE_TEMPLATE = 'arn:aws:iam::123456789012:role/microplane-dev-tenant-{tenantId}';
process.env.TENANT_ROLE_ARN_TEMPLATE = ROLE_TEMPLATE;
process.env.AWS_REGION ??= 'eu-west-1';
