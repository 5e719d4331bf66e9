import { ReflectionService } from '@grpc/reflection';
import type { Server, ServerCredentials } from '@grpc/grpc-js';
import { Transport, type GrpcOptions } from '@nestjs/microservices';
import { PROTO_ROOT, SMS_PROTO_FILES } from '@smsgw/shared/util-proto';
import { HealthImplementation } from 'grpc-health-check';

/** Serving status per gRPC service; the ingest flips it with its Kafka producer's state. */
export const grpcHealth = new HealthImplementation({ '': 'NOT_SERVING', 'sms.v1.SmsService': 'NOT_SERVING' });

/** The gRPC server's options; no credentials: plaintext (tests, and INGEST_ALLOW_PLAINTEXT via grpcCredentials). */
export function grpcOptions(url: string, credentials?: ServerCredentials): GrpcOptions {
  return {
    transport: Transport.GRPC,
    options: {
      url,
      credentials,
      package: 'sms.v1',
      protoPath: SMS_PROTO_FILES,
      // Matches the ts-proto options: camelCase fields, int64 as number, defaults filled in.
      loader: { includeDirs: [PROTO_ROOT], keepCase: false, longs: Number, defaults: true, oneofs: true },
      onLoadPackageDefinition: (pkg, server) => {
        new ReflectionService(pkg).addToServer(server as unknown as Server);
        grpcHealth.addToServer(server as unknown as Server);
      },
      maxReceiveMessageLength: 16 * 1024 * 1024,
      // Clients behind the headless Service reconnect now and then, so pods added by scaling get
      // traffic (grpc-node issue 2455); the grace lets calls in flight finish.
      channelOptions: { 'grpc.max_connection_age_ms': 300_000, 'grpc.max_connection_age_grace_ms': 30_000 },
    },
  };
}
