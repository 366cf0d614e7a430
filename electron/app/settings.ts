import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeJsonAtomic } from '../engine/runs/atomic';
import { SettingsSchema, type RecentProject, type Settings, type SettingsPatch, type WindowState } from '../shared/schemas/ipc/settings';

/**
 * The app's settings in `<user data>/settings.json`: read once, written atomically on every
 * change. A missing or corrupt file gives the defaults (and is replaced at the next change)
 * rather than stopping the app.
 */
export class SettingsStore {
  private current: Settings;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    initial: Settings,
  ) {
    this.current = initial;
  }

  /** Loads the settings of a user-data folder, falling back field by field to the defaults. */
  static async open(userDataDir: string): Promise<SettingsStore> {
    const file = join(userDataDir, 'settings.json');
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (_err) {
      raw = {};
    }
    const parsed = SettingsSchema.safeParse(raw);
    return new SettingsStore(file, parsed.success ? parsed.data : SettingsSchema.parse({}));
  }

  /** A copy of the current settings. */
  get(): Settings {
    return structuredClone(this.current);
  }

  /** Applies a patch from the renderer and saves. */
  async set(patch: SettingsPatch): Promise<Settings> {
    this.current = SettingsSchema.parse({ ...this.current, ...patch });
    await this.save();
    return this.get();
  }

  /** Puts a dataset at the top of the recent list (no duplicates, at most 10). */
  async addRecent(path: string, now = new Date()): Promise<void> {
    const entry: RecentProject = { path, name: basename(path.replace(/[\\/]+$/, '')) || path, openedAt: now.toISOString() };
    this.current.recentProjects = [entry, ...this.current.recentProjects.filter((r) => r.path !== path)].slice(0, 10);
    await this.save();
  }

  /** Remembers the window's bounds for the next start. */
  async setWindow(state: WindowState): Promise<void> {
    this.current.window = state;
    await this.save();
  }

  private save(): Promise<void> {
    // Serialise writes: two quick changes must land in order, never interleaved.
    // A failed write is reported to its caller but must not block the writes after it.
    const snapshot = this.get();
    const done = this.writing.then(() => writeJsonAtomic(this.file, snapshot));
    this.writing = done.catch(() => undefined);
    return done;
  }
}
