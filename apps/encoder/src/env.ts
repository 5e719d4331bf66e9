import { KAFKA_SETTINGS, OBSERVABILITY_SETTINGS, int, list, type ConfigOf } from '@smsgw/shared/util-config';

export const ENCODER_ENV = {
  ...KAFKA_SETTINGS,
  ...OBSERVABILITY_SETTINGS,
  ENCODER_HTTP_PORT: int(8082, 'encoder: HTTP port for /metrics and /healthz.', { min: 1, max: 65535 }),
  ENCODER_MAX_SEGMENTS: int(10, 'encoder: most segments one message may take; longer messages end FAILED with ENCODING.TOO_MANY_SEGMENTS.', { min: 1, max: 255 }),
  ENCODER_NATIONAL_LANGUAGES: list([], 'encoder: national shift tables every carrier supports (turkish, spanish, portuguese); empty for none.'),
};

export type EncoderEnv = ConfigOf<typeof ENCODER_ENV>;
