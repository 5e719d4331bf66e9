import type { RoutingConfigChange, RoutingConfigVersion } from '@smsgw/shared/util-proto';
import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { gatewayOptions } from '../credentials';
import { withAdmin } from '../grpc-client';
import { printJson } from '../output';

const out = (line: string) => process.stdout.write(line + '\n');
const iso = (ms: number) => (ms ? new Date(ms).toISOString() : '');

/** Who makes a change, kept with the version: the local user and host (the admin token is shared). */
export function localAuthor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container): keep "unknown"
  }
  return `${user}@${hostname()}`;
}

const versionArgument = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a version number (1, 2, …; smsgw routes history lists them)');
  return n;
};

const countArgument = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
};

const pins = (v: RoutingConfigVersion) => v.rateCards.map((p) => `${p.carrier} v${p.version}`).join(', ') || 'none';

/** The JSON of a version (history, show, import and rollback answers). */
export const versionView = (v: RoutingConfigVersion, withRules: boolean) => ({
  version: v.version,
  action: v.action,
  sourceVersion: v.sourceVersion || undefined,
  createdBy: v.createdBy,
  createdAt: iso(v.createdAtMs),
  comment: v.comment,
  rateCards: Object.fromEntries(v.rateCards.map((p) => [p.carrier, p.version])),
  contentSha256: v.contentSha256,
  ...(withRules && { routes: v.routesYaml }),
});

/** "v7  2026-12-02T04:00:00.000Z  rollback of v5  by ops@host  “bad prices”". */
export function historyLine(v: RoutingConfigVersion, current: boolean): string {
  const what = v.action === 'rollback' ? `rollback to v${v.sourceVersion}` : v.action;
  return `${current ? '*' : ' '} v${v.version}  ${iso(v.createdAtMs)}  ${what.padEnd(16)} by ${v.createdBy || '?'}${v.comment ? `  "${v.comment}"` : ''}`;
}

function changeLines(c: RoutingConfigChange, verb: string): string[] {
  const v = c.version;
  if (!v) return ['no routing configuration version'];
  if (c.unchanged) return [`unchanged: the rules equal version ${v.version}, which stays in use`];
  return [`${verb}: routing configuration version ${v.version} published; every router switches to it`, `  rate cards: ${pins(v)}`];
}

/** `smsgw routes …`: routing configuration versions (sms.v1.AdminService, with the admin token). */
export function registerRoutes(program: Command): void {
  const admin = (parent: Command, name: string) => gatewayOptions(parent.command(name), 'admin-token');
  const routes = program.command('routes').description('routing configuration versions: the route rules and rate cards every router uses (admin token needed)');

  admin(routes, 'import')
    .description('store a route rules file as the next version and switch every router to it (validated first; an unchanged file makes no version, so CI can run it on every commit)')
    .argument('<file>', 'the route rules file (YAML, as config/routes.yaml)')
    .option('--comment <text>', 'kept with the version (e.g. the commit it comes from)', '')
    .action((file: string, opts) =>
      withAdmin(opts, async (client) => {
        const change = await client.importRoutes({ content: readFileSync(file, 'utf8'), comment: opts.comment, author: localAuthor() });
        if (opts.json) return printJson({ unchanged: change.unchanged, version: change.version && versionView(change.version, false) });
        for (const line of changeLines(change, 'imported')) out(line);
      }),
    );

  admin(routes, 'history')
    .description('the versions, newest first; * marks the one in force')
    .option('--limit <n>', 'at most this many', countArgument, 50)
    .action((opts) =>
      withAdmin(opts, async (client) => {
        const { versions } = await client.listRoutingConfigVersions(opts.limit);
        if (opts.json) return printJson({ versions: versions.map((v) => versionView(v, false)) });
        if (versions.length === 0) out('no routing configuration version yet: smsgw routes import <file>, or start a router with ROUTES_FILE');
        versions.forEach((v, i) => out(historyLine(v, i === 0)));
      }),
    );

  admin(routes, 'show')
    .description('one version with its rules and rate cards (default: the one in force)')
    .argument('[version]', 'the version', versionArgument)
    .action((version: number | undefined, opts) =>
      withAdmin(opts, async (client) => {
        const v = await client.getRoutingConfigVersion(version ?? 0);
        if (opts.json) return printJson(versionView(v, true));
        out(historyLine(v, false).trim());
        out(`rate cards: ${pins(v)}`);
        out(`sha256 ${v.contentSha256}`);
        out('');
        process.stdout.write(v.routesYaml.endsWith('\n') ? v.routesYaml : `${v.routesYaml}\n`);
      }),
    );

  admin(routes, 'rollback')
    .description('a new version whose rules and rate cards are those of an earlier one (history stays append-only); every router switches to it')
    .argument('<version>', 'the version to bring back', versionArgument)
    .option('--comment <text>', 'kept with the new version', '')
    .action((version: number, opts) =>
      withAdmin(opts, async (client) => {
        const change = await client.rollbackRoutingConfig(version, opts.comment, localAuthor());
        if (opts.json) return printJson({ unchanged: change.unchanged, version: change.version && versionView(change.version, false) });
        for (const line of changeLines(change, `rolled back to version ${version}`)) out(line);
      }),
    );
}
