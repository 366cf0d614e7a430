import type { OpenDialogRequest } from '../shared/schemas/ipc/dialog';

/**
 * What the app needs from its host and cannot do in plain Node: native dialogs and opening a
 * folder in the file manager. Main implements it with Electron; the browser-test bridge with
 * answers the test chooses.
 */
export interface AppHost {
  readonly userDataDir: string;
  readonly version: string;
  openFolderDialog(req: OpenDialogRequest): Promise<string | null>;
  openFileDialog(req: OpenDialogRequest): Promise<string | null>;
  openPath(path: string): Promise<void>;
}
