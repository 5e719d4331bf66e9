export * from './carrier-config';
export * from './carriers-file';
