export * from './config';
export * from './common';
export * from './watched-file';
