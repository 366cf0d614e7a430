import { z } from 'zod';
import { ModelScaleSchema } from '../model';
import { AbsolutePathSchema } from './dataset';
import { limitNumber } from './limits';

/** Locales the app UI speaks. */
export const UiLocaleSchema = z.enum(['en', 'zh']);
export type UiLocale = z.infer<typeof UiLocaleSchema>;

/** A dataset folder the engineer opened before, newest first in the list. */
export const RecentProjectSchema = z.object({
  path: AbsolutePathSchema,
  name: z.string(),
  openedAt: z.string(),
});
export type RecentProject = z.infer<typeof RecentProjectSchema>;

/** Window position and size, restored at the next start. */
export const WindowStateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400),
  height: z.number().int().min(300),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

/**
 * Everything the app remembers between starts (settings.json in the user-data folder).
 * Every field has a default so an old or partly broken file still loads.
 */
export const SettingsSchema = z.object({
  locale: UiLocaleSchema.default('en'),
  /**
   * Where runs go; null means `<user data>/runs`. Set only by main from a folder dialog
   * (settings:chooseRunsDir), never by the renderer: it widens what the renderer may open.
   */
  runsDir: AbsolutePathSchema.nullable().default(null),
  recentProjects: z.array(RecentProjectSchema).max(20).default([]),
  lastModel: z
    .object({ scale: ModelScaleSchema, imgsz: limitNumber('imgsz') })
    .default({ scale: 'n', imgsz: 320 }),
  window: WindowStateSchema.nullable().default(null),
});
export type Settings = z.infer<typeof SettingsSchema>;

/**
 * The part of the settings the renderer may change. Window state and recents are kept by main;
 * the runs folder is chosen in main's dialog (settings:chooseRunsDir), so a `runsDir` here is
 * refused as a malformed request.
 */
export const SettingsPatchSchema = z
  .object({
    locale: UiLocaleSchema,
    lastModel: z.object({ scale: ModelScaleSchema, imgsz: limitNumber('imgsz') }),
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;
