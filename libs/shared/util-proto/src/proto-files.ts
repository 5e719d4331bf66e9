import { join } from 'node:path';

// The .proto sources, for @grpc/proto-loader at run time (NestJS gRPC transport, reflection).
// Resolved from the working directory: apps run from the repository root or from an image that
// copies proto/ beside dist/.
export const PROTO_ROOT = join(process.cwd(), 'proto');
export const SMS_PROTO_FILES = ['sms/v1/sms_service.proto', 'sms/v1/admin_service.proto'];
