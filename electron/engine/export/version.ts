/** Kestrel's version as package.json states it, for export metadata and model cards. */
import pkg from '../../../package.json';

/** The version string written into exported files ("0.1.0"). */
export const KESTREL_VERSION: string = pkg.version;
