/** The public entry point: build a Sluice, load its configuration, and the error catalogue. */
export { createSluice, type Sluice } from './sluice.ts';
export { loadConfig, ConfigError, type SluiceConfig, type ConfigInput } from './edges/config/config.ts';
export { SluiceError, errorCatalogue, type ErrorCode } from './domain/errors.ts';
