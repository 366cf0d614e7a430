/**
 * Run-end notifications are main's, not the renderer's: electron/main/run-feedback.ts shows one
 * OS notification per run (after the supervisor's restarts, also with the window minimised or
 * closed, in the language of the settings) and the taskbar/dock progress. The window's
 * permission handler refuses web notifications, so the renderer asks for nothing.
 */

/** The Plan step's Start calls this; nothing to prepare since main notifies (kept until that call goes). */
export function prepareNotifications(): void {
  // Deliberately empty: see the header.
}
