import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = join(__dirname, '../../..');
export const rel = (...p: string[]) => join(ROOT, ...p);
export const read = (...p: string[]) => readFileSync(rel(...p), 'utf8');

/** A tool on PATH, or undefined. */
export function which(tool: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function requireTool(tool: string): string {
  const path = which(tool);
  if (!path) throw new Error(`${tool} is not installed: npm test installs it (node tools/ensure-system-tools.mjs test; Debian's prometheus package)`);
  return path;
}

/** Runs a command; resolves to its output, throws with stdout+stderr when it fails. */
export function run(cmd: string, args: string[], options: { cwd?: string; input?: string } = {}): string {
  const r = spawnSync(cmd, args, { cwd: options.cwd ?? ROOT, input: options.input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
}

/** `kustomize build DIR` (kustomize on PATH, else kubectl's built-in), parsed. */
export function kustomize(dir: string): K8sObject[] {
  const args = which('kustomize') ? ['kustomize', ['build', dir]] : which('kubectl') ? ['kubectl', ['kustomize', dir]] : undefined;
  if (!args) throw new Error('neither kustomize nor kubectl is installed (kubectl kustomize renders the overlays)');
  const out = execFileSync(args[0] as string, args[1] as string[], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

/** Runs a tools/ops script and parses its JSON output. */
export function opsJson<T>(script: string, ...args: string[]): T {
  return JSON.parse(run('node', [rel('tools/ops', script), ...args])) as T;
}

export interface OpsQuery {
  source: string;
  kind: 'panel' | 'variable' | 'alert';
  expr: string;
  unknown: string[];
  traffic?: boolean;
  dashboard?: string;
  panel?: string;
  alert?: string;
  label?: string;
}

export const queries = () => opsJson<OpsQuery[]>('metrics.mjs', '--queries');

/** The app folders whose project.json is tagged type:app. */
export function appProjects(): string[] {
  return readdirSync(rel('apps'))
    .filter((a) => existsSync(rel('apps', a, 'project.json')))
    .filter((a) => (JSON.parse(read('apps', a, 'project.json')).tags ?? []).includes('type:app'))
    .sort();
}
