import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeJsonAtomic } from '../engine/runs/atomic';
import { rethrowFsError } from '../engine/runs/fs-errors';
import { RecentProjectSchema, SettingsSchema, type RecentProject, type Settings, type SettingsPatch, type WindowState } from '../shared/schemas/ipc/settings';

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
    return new SettingsStore(file, settingsFromDisk(raw));
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

  /**
   * Sets the runs folder. Only main calls this, with a folder from its own dialog: the renderer
   * cannot name one (settings:set refuses `runsDir`). Null goes back to `<user data>/runs`.
   */
  async setRunsDir(dir: string | null): Promise<Settings> {
    this.current = SettingsSchema.parse({ ...this.current, runsDir: dir });
    await this.save();
    return this.get();
  }

  /** Puts a dataset at the top of the recent list (no duplicates, at most 10). */
  async addRecent(path: string, now = new Date()): Promise<void> {
    if (!RecentProjectSchema.shape.path.safeParse(path).success) return; // Only full paths are remembered.
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
    // A failed write is reported to its caller (as a coded FS_* error, never INTERNAL) but
    // must not block the writes after it.
    const snapshot = this.get();
    const done = this.writing.then(() => writeJsonAtomic(this.file, snapshot).catch((err: unknown) => rethrowFsError(err, { path: this.file, op: 'write' })));
    this.writing = done.catch(() => undefined);
    return done;
  }
}

/**
 * Settings from a parsed settings.json, field by field: a field that is missing or broken (an
 * old version, a hand edit, a runs folder that is not a full path) takes its default, the
 * others are kept. Recent datasets that are not full paths are dropped.
 */
export function settingsFromDisk(raw: unknown): Settings {
  const defaults = SettingsSchema.parse({});
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return defaults;
  const out: Record<string, unknown> = { ...defaults };
  const shape = SettingsSchema.shape;
  for (const key of Object.keys(shape) as Array<keyof typeof shape>) {
    let value = (raw as Record<string, unknown>)[key];
    if (key === 'recentProjects' && Array.isArray(value)) value = value.filter((r) => RecentProjectSchema.safeParse(r).success).slice(0, 20);
    const parsed = shape[key].safeParse(value);
    if (parsed.success) out[key] = parsed.data;
  }
  return SettingsSchema.parse(out);
}
