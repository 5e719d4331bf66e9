import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SimulatorConfigError } from './simulator-config';

/** Reads a YAML or JSON config file (YAML is a superset of JSON) into the raw config object. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SimulatorConfigError([`${path}: cannot read the config file (${(err as Error).message})`]);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    throw new SimulatorConfigError([`${path}: not valid YAML/JSON (${(err as Error).message})`]);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new SimulatorConfigError([`${path}: expected a mapping of settings at the top level`]);
  return value as Record<string, unknown>;
}
