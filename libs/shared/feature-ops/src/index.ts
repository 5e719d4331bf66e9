export * from './ops.module';
export * from './nest-logger';
export * from './start-service';
export * from './database.providers';
export * from './repeat-every';
export * from './kafka.providers';
