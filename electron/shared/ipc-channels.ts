/**
 * The names of every IPC channel and event, without their schemas.
 * Kept apart from ipc-contract.ts because the sandboxed preload may not load npm modules
 * (zod): it needs the names only, and the contract test checks both lists agree.
 */
export const CHANNELS = [
  'app:info',
  'hardware:probe',
  'dataset:check',
  'dataset:samples',
  'dataset:demo',
  'plan:create',
  'train:start',
  'train:resume',
  'train:stop',
  'train:status',
  'runs:list',
  'runs:open',
  'results:get',
  'model:export',
  'dialog:openFolder',
  'dialog:openFile',
  'settings:get',
  'settings:set',
  'settings:chooseRunsDir',
  'shell:openPath',
  'labels:get',
  'labels:save',
  'labels:addImage',
  'thresholds:suggest',
  'thresholds:save',
  'predict:try',
  'predict:tryFiles',
  'report:save',
  'report:savePlots',
  'runs:update',
  'runs:delete',
  'tune:lrFind',
  'tune:lrFindProgress',
  'tune:lrFindStop',
] as const;
/** One request/response channel. */
export type ChannelName = (typeof CHANNELS)[number];

/** Events main pushes to the renderer. */
export const EVENTS = ['evt:training', 'evt:run-state'] as const;
/** One event name. */
export type EventName = (typeof EVENTS)[number];

/** `'dataset:openFolder'` -> `'datasetOpenFolder'`: the preload method of a channel. */
export type MethodName<C extends string> = C extends `${infer A}:${infer B}` ? `${A}${Capitalize<B>}` : never;

/** The preload method name of a channel, computed the same way as MethodName. */
export function methodName<C extends ChannelName>(channel: C): MethodName<C> {
  const [a, b] = channel.split(':') as [string, string];
  return `${a}${b.charAt(0).toUpperCase()}${b.slice(1)}` as MethodName<C>;
}
