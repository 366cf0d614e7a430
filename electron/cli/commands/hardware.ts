import { KestrelError } from '../../shared/errors';
import type { CliIO } from '../io';

/** `kestrel hardware`: being built (see its issue). */
export async function run(_argv: string[], _io: CliIO): Promise<number> {
  throw new KestrelError('CLI_NOT_READY', 'This command is not built yet.');
}
