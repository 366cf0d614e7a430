/**
 * An OS notification when a long run ends or fails (the web Notification API, which Electron
 * shows as a system notification). Best effort: a refused permission or a browser without
 * notifications leaves the in-app notice as the only one.
 */

/** Asks for permission once, early (a click starting a run), so the end of the run can notify. */
export function prepareNotifications(): void {
  try {
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission().catch(() => undefined);
  } catch (_err) {
    // No notifications here: the in-app notice is enough.
  }
}

/** Shows a system notification when allowed; returns whether one was shown. */
export function notify(title: string, body: string): boolean {
  try {
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return false;
    new Notification(title, { body, silent: false });
    return true;
  } catch (_err) {
    return false;
  }
}
