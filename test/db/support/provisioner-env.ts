// Imported before the handler module, whose production clients read the region at load.
process.env.AWS_REGION ??= 'eu-west-1';
