/**
 * The Electron module as main/ipc.ts sees it in unit tests: the one place Electron is mocked.
 * ipcMain records each registered handler so a test can call it with any sender it likes.
 */
type Handler = (event: unknown, payload: unknown) => Promise<unknown>;

export const registered = new Map<string, Handler>();

export const ipcMain = {
  handle(channel: string, fn: Handler): void {
    if (registered.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    registered.set(channel, fn);
  },
  removeHandler(channel: string): void {
    registered.delete(channel);
  },
};

export default { ipcMain };
