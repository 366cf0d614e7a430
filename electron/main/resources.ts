/**
 * Where the engine finds the files Kestrel ships in resources/ (the pretrained weights, the
 * label font). The engine looks beside its sources unless told otherwise; in the packaged app
 * its code sits inside app.asar while electron-builder.yml copies resources/ to
 * `process.resourcesPath/resources`, so main tells it (and, through the environment, the
 * training and check processes it starts) where they are. Pure: main/index.ts applies it.
 */
import { join } from 'node:path';

/** The bundled font's file name (engine/predict/annotate.ts FONT_FILE_NAME; kept here so main does not load sharp). */
export const FONT_FILE = 'DroidSansFallback.ttf';

export interface ResourcePlace {
  /** Electron's app.isPackaged. */
  packaged: boolean;
  /** process.resourcesPath (the packaged app's resources folder). */
  resourcesPath: string;
  /** app.getAppPath() (the source tree's root when not packaged). */
  appPath: string;
}

/**
 * The environment variables that point the engine at the shipped resources: KESTREL_PRETRAINED_DIR
 * (engine/model/pretrained.ts) and KESTREL_FONT_FILE (engine/predict/annotate.ts). A variable the
 * environment already sets is left as it is (a test or an engineer chose it).
 */
export function resourceEnv(place: ResourcePlace, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const root = place.packaged ? join(place.resourcesPath, 'resources') : join(place.appPath, 'resources');
  const wanted: Record<string, string> = {
    KESTREL_PRETRAINED_DIR: join(root, 'pretrained'),
    KESTREL_FONT_FILE: join(root, 'fonts', FONT_FILE),
  };
  return Object.fromEntries(Object.entries(wanted).filter(([k]) => !env[k]));
}
