import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { RELOAD_DEBOUNCE_MS } from './defaults.js';

/**
 * Watches a config file for changes and calls `onChange` once per burst.
 * It watches the directory, not the file: editors that save by writing a temp
 * file and renaming it over the original replace the inode, and a watch on the
 * old inode would go quiet after the first save.
 */
export class ConfigWatcher {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly file: string, private readonly onChange: () => void, private readonly debounceMs = RELOAD_DEBOUNCE_MS) {}

  start(): void {
    const path = resolve(this.file);
    const name = basename(path);
    this.watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.onChange();
      }, this.debounceMs);
    });
    this.watcher.on('error', () => {
      // The directory went away; SIGHUP still reloads.
      this.stop();
    });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.watcher?.close();
    this.watcher = null;
  }
}
