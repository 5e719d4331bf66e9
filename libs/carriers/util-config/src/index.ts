export * from './carrier-config';
