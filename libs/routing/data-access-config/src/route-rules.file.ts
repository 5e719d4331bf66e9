import { readFileSync } from 'node:fs';
import { compileRules, type RouteRules } from '@smsgw/routing/domain';
import { watchValidatedFile } from '@smsgw/shared/util-config';
import { parse } from 'yaml';

/** Reads and validates the route rules file; the error names the file, the rule and the field. */
export function loadRouteRules(file: string): RouteRules {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`route rules ${file}: ${(err as Error).message}`);
  }
  return compileRules(doc, file);
}

/** Calls onChange with the new rules whenever the file changes and still validates; a bad change keeps the old rules. */
export function watchRouteRules(file: string, onChange: (rules: RouteRules) => void, onError: (err: Error) => void, intervalMs = 1000): () => void {
  return watchValidatedFile(file, loadRouteRules, onChange, onError, intervalMs);
}
