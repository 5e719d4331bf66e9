import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import { RouteTable, type Route } from '@smsgw/routing/domain';
import { parse } from 'yaml';

/** Reads and validates the route table file; the error names the file and what is wrong in it. */
export function loadRouteTable(file: string): RouteTable {
  let doc: { routes?: Partial<Route>[] };
  try {
    doc = parse(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new Error(`route table ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc.routes)) throw new Error(`route table ${file}: expected a "routes:" list`);
  try {
    return new RouteTable(doc.routes.map((r) => ({ id: String(r.id ?? ''), prefix: String(r.prefix ?? ''), carrier: String(r.carrier ?? ''), pricePerSegmentMicros: Number(r.pricePerSegmentMicros ?? 0) })));
  } catch (err) {
    throw new Error(`route table ${file}: ${(err as Error).message}`);
  }
}

/** Calls onChange with the new table whenever the file changes and still validates. */
export function watchRouteTable(file: string, onChange: (table: RouteTable) => void, onError: (err: Error) => void): () => void {
  const listener = () => {
    try {
      onChange(loadRouteTable(file));
    } catch (err) {
      onError(err as Error);
    }
  };
  watchFile(file, { interval: 1000 }, listener);
  return () => unwatchFile(file, listener);
}
