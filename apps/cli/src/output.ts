import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** One line for a person (or one JSON object with --json) and exit code 1; never a stack trace. */
export function fail(err: unknown, json: boolean, target?: string): never {
  const e = err as Partial<ServiceError> & Error;
  let message = e.details || e.message;
  let code = e.code !== undefined ? grpcStatus[e.code] : 'ERROR';
  // UNAVAILABLE without a stable code is the transport's; with one ([ROUTING.CONFIG_NOT_PUBLISHED]) the server answered.
  if (e.code === grpcStatus.UNAVAILABLE && target && !/\[[A-Z]+\.[A-Z_]+\]$/.test(message ?? '')) {
    message = `cannot reach smsgw at ${target}: is it running? (npm start, or --target host:port)`;
    code = 'UNAVAILABLE';
  }
  if (json) printJson({ error: { code, message } });
  else process.stderr.write(`error: ${code}: ${message}\n`);
  process.exit(1);
}
