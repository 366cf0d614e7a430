/**
 * Sentences of the CLI's one flag parser (electron/cli/flags.ts), English and Simplified
 * Chinese, by rule: unknown flags with a "did you mean", flags without their value, switches
 * given a value, stray words, and the command-specific numeric ranges. (The limits-table
 * sentences, CLI_FLAG_RANGE and friends, live in app.ts beside the other setting limits.)
 */
export const cliMessages: { en: Record<string, string>; zh: Record<string, string> } = {
  en: {
    CLI_UNKNOWN_FLAG: 'kestrel {command} has no flag {flag}. Did you mean --{guess}?',
    CLI_UNKNOWN_FLAG_NO_GUESS: 'kestrel {command} has no flag {flag}.',
    CLI_MISSING_VALUE: '--{flag} needs a value: write --{flag} {example}.',
    CLI_FLAG_SWITCH: '--{flag} is a switch and takes no value: write --{flag} alone, not --{flag}={value}.',
    CLI_FLAG_UNEXPECTED_ARG: 'kestrel {command} does not take "{value}". Flags start with --, e.g. --name value (name=value works too).',
    CLI_FLAG_WHOLE_RANGE: '--{flag} must be a whole number from {min} to {max}, not "{value}".',
    CLI_FLAG_MULTIPLE_RANGE: '--{flag} must be a multiple of {step} from {min} to {max}, not "{value}".',
    CLI_FLAG_NUMBER_RANGE: '--{flag} must be a number from {min} to {max}, not "{value}".',
    CLI_DATASET_SUBCOMMAND: 'Unknown subcommand "{value}": the one subcommand is `kestrel dataset check PATH`.',
    CLI_DATASET_NO_PATH: 'Give the dataset path: `kestrel dataset check PATH`.',
    CLI_NEED_WEIGHTS: 'Give the run to {command} with --weights runs/NAME.',
    CLI_OVERRIDES_UNREADABLE: 'The overrides file {path} cannot be read ({detail}). Give the tune.json that `kestrel tune` wrote.',
    CLI_OVERRIDES_INVALID: 'The overrides file {path} is not a plan Kestrel can train with ({detail}). Give the tune.json (or lr-find.json) that `kestrel tune` wrote.',
    CLI_OVERRIDES_WITH_RESUME: '--resume continues a run with the settings it started with; --overrides plans a new run. Give one of them.',
  },
  zh: {
    CLI_UNKNOWN_FLAG: 'kestrel {command} 没有 {flag} 选项。您是想用 --{guess} 吗？',
    CLI_UNKNOWN_FLAG_NO_GUESS: 'kestrel {command} 没有 {flag} 选项。',
    CLI_MISSING_VALUE: '--{flag} 需要一个值：请写 --{flag} {example}。',
    CLI_FLAG_SWITCH: '--{flag} 是开关选项，不带值：请只写 --{flag}，而不是 --{flag}={value}。',
    CLI_FLAG_UNEXPECTED_ARG: 'kestrel {command} 不接受"{value}"。选项以 -- 开头，例如 --name value（也可写 name=value）。',
    CLI_FLAG_WHOLE_RANGE: '--{flag} 必须是 {min} 到 {max} 之间的整数，而不是"{value}"。',
    CLI_FLAG_MULTIPLE_RANGE: '--{flag} 必须是 {min} 到 {max} 之间 {step} 的倍数，而不是"{value}"。',
    CLI_FLAG_NUMBER_RANGE: '--{flag} 必须是 {min} 到 {max} 之间的数字，而不是"{value}"。',
    CLI_DATASET_SUBCOMMAND: '未知的子命令"{value}"：唯一的子命令是 `kestrel dataset check PATH`。',
    CLI_DATASET_NO_PATH: '请给出数据集路径：`kestrel dataset check PATH`。',
    CLI_NEED_WEIGHTS: '请用 --weights runs/NAME 指定 kestrel {command} 要使用的训练。',
    CLI_OVERRIDES_UNREADABLE: '无法读取覆盖文件 {path}（{detail}）。请指定 `kestrel tune` 写出的 tune.json。',
    CLI_OVERRIDES_INVALID: '覆盖文件 {path} 不是 Kestrel 可以用来训练的计划（{detail}）。请指定 `kestrel tune` 写出的 tune.json（或 lr-find.json）。',
    CLI_OVERRIDES_WITH_RESUME: '--resume 以训练开始时的设置继续该训练；--overrides 用于规划新的训练。请只给出其中一个。',
  },
};
