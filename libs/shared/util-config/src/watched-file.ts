import { statSync } from 'node:fs';

/**
 * Calls onChange with `load(file)` whenever the file changes and still loads (validates); a change
 * that does not is passed to onError and the caller keeps what it has. Polled: it sees the symlink
 * swap of a Kubernetes ConfigMap and edits on bind mounts, which inotify misses. A file that
 * appears or disappears is a change too (load decides what a missing file means). The file's state
 * is taken when this is called, so a change made right after is never missed (fs.watchFile takes
 * its first look later, and a change before it goes unseen). The watcher does not keep the process
 * alive; the returned function stops it.
 */
export function watchValidatedFile<T>(file: string, load: (file: string) => T, onChange: (value: T) => void, onError: (err: Error) => void, intervalMs = 1000): () => void {
  let seen = stateOf(file);
  const timer = setInterval(() => {
    const now = stateOf(file);
    if (now === seen) return;
    seen = now;
    let value: T;
    try {
      value = load(file);
    } catch (err) {
      onError(err as Error);
      return;
    }
    onChange(value);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** What tells one version of the file from another (through a symlink, the target's). */
function stateOf(file: string): string {
  try {
    const s = statSync(file);
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch (err) {
    return `missing:${(err as NodeJS.ErrnoException).code ?? 'unknown'}`;
  }
}
