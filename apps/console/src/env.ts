import { OBSERVABILITY_SETTINGS, int, str, type ConfigOf } from '@smsgw/shared/util-config';

export const CONSOLE_ENV = {
  ...OBSERVABILITY_SETTINGS,
  CONSOLE_HTTP_PORT: int(8088, 'console: HTTP port for /metrics and /healthz.', { min: 0, max: 65535 }),
  CONSOLE_PORT: int(8089, 'console: port of the web console (the page at /, and /v1/* passed on to CONSOLE_API_URL); 0 picks a free one.', { min: 0, max: 65535 }),
  CONSOLE_API_URL: str('http://127.0.0.1:8080', "console: base URL of ingest's HTTP/JSON API (INGEST_API_PORT) that the console's /v1/* requests go to."),
  CONSOLE_STATIC_DIR: str('', 'console: folder of the built web console (index.html, assets/); empty = dist/apps/console/web beside the build.'),
};

export type ConsoleEnv = ConfigOf<typeof CONSOLE_ENV>;
