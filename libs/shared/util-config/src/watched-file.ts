import { unwatchFile, watchFile } from 'node:fs';

/**
 * Calls onChange with `load(file)` whenever the file changes and still loads (validates); a change
 * that does not is passed to onError and the caller keeps what it has. Polled (fs.watchFile): it
 * sees the symlink swap of a Kubernetes ConfigMap and edits on bind mounts, which inotify misses.
 * A file that appears or disappears is a change too (load decides what a missing file means).
 * The watcher does not keep the process alive; the returned function stops it.
 */
export function watchValidatedFile<T>(file: string, load: (file: string) => T, onChange: (value: T) => void, onError: (err: Error) => void, intervalMs = 1000): () => void {
  const listener = () => {
    let value: T;
    try {
      value = load(file);
    } catch (err) {
      onError(err as Error);
      return;
    }
    onChange(value);
  };
  watchFile(file, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(file, listener);
}
