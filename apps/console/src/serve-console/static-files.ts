import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

export interface StaticFile {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/**
 * The built console, read once at start (a few tens of KiB): URL path → file. Vite names what it
 * puts in assets/ by content hash, so those are cached for good; index.html is revalidated, so a
 * new build reaches the browser at the next load. Only these paths exist: nothing outside `dir`
 * can be asked for.
 */
export function loadStaticFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = join(folder, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const path = '/' + relative(dir, full).split(sep).join('/');
        const hashed = path.startsWith('/assets/');
        files.set(path, {
          body: readFileSync(full),
          contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
          cacheControl: hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
        });
      }
    }
  };
  walk(dir);
  const index = files.get('/index.html');
  if (!index) throw new Error(`the web console is not built: ${join(dir, 'index.html')} is missing (run npx nx build console)`);
  files.set('/', index);
  return files;
}
