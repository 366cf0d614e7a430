// Names the hidden training renderer (electron/gpu-host) and main agree on.

/** The IPC channel main sends the step host's MessagePort on, to the host window's preload. */
export const GPU_HOST_PORT_CHANNEL = 'kestrel:gpu-host-port';
/** The window message type the preload hands the port to the page with. */
export const GPU_HOST_PORT_MESSAGE = 'kestrel:gpu-host-port';
/** The host page, under the app's origin (kestrel://app/). */
export const GPU_HOST_PAGE = 'gpu-host.html';
