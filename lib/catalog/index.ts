export * from './app-catalog';
export * from './catalog-files';
