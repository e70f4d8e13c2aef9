import type { Command } from 'commander';
import type { ConfigInput } from '../../config/config.ts';

interface StartOptions {
  port?: string;
  host?: string;
  dataDir?: string;
  config?: string;
  logLevel?: ConfigInput['logLevel'];
  kafka?: string;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the server: HTTP API, registry and workers, on the embedded store or, with --kafka, on a Kafka cluster')
    .option('-p, --port <port>', 'port to listen on (SLUICE_PORT, default 8080)')
    .option('--host <host>', 'address to listen on (SLUICE_HOST, default 127.0.0.1)')
    .option('-d, --data-dir <dir>', 'where the embedded store lives (SLUICE_DATA_DIR, default ./.sluice)')
    .option('-c, --config <file>', 'sluice.yaml to read (SLUICE_CONFIG)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (SLUICE_LOG_LEVEL)')
    .option('--kafka <brokers>', 'run every port on this Kafka cluster, e.g. 127.0.0.1:9092 (SLUICE_KAFKA_BROKERS)')
    .action(async (options: StartOptions) => {
      // The server is loaded only to start it, so the client commands start fast.
      const [{ pino }, { loadConfig }, { createSluice }] = await Promise.all([import('pino'), import('../../config/config.ts'), import('../../../sluice.ts')]);
      const flags: ConfigInput = {};
      if (options.port !== undefined) flags.port = Number(options.port);
      if (options.host !== undefined) flags.host = options.host;
      if (options.dataDir !== undefined) flags.dataDir = options.dataDir;
      if (options.logLevel !== undefined) flags.logLevel = options.logLevel;
      if (options.kafka !== undefined) flags.kafka = { brokers: options.kafka.split(',').map((broker) => broker.trim()) };
      const config = loadConfig(options.config === undefined ? { flags, env: process.env } : { flags, env: process.env, configFile: options.config });
      const logger = pino({ level: config.logLevel });
      const portTaken = (error: unknown): Error =>
        (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
          ? new Error(`port ${config.port} on ${config.host} is already in use: stop what listens there, or choose another port with --port or SLUICE_PORT`)
          : (error as Error);
      // On Kafka the store may take a while to reach: the address answers (readiness 503) meanwhile.
      const { listenWhileWaiting } = await import('../../http/waiting-server.ts');
      const waiting =
        config.kafka !== undefined && config.port !== 0
          ? await listenWhileWaiting(config.host, config.port, `Kafka at ${config.kafka.brokers.join(',')}`).catch((error: unknown) => {
              throw portTaken(error);
            })
          : undefined;
      let sluice;
      try {
        sluice = await createSluice(config, { logger });
      } finally {
        await waiting?.close();
      }
      let address: string;
      try {
        address = await sluice.listen();
      } catch (error) {
        await sluice.close().catch(() => undefined);
        throw portTaken(error);
      }
      logger.info({ address, dataDir: config.dataDir, configFile: config.configFile }, 'sluice is listening');
      if (sluice.adminTokenGenerated) {
        process.stderr.write(
          `\nAdmin token (shown once; kept in ${config.dataDir}/admin-token, mode 0600):\n  ${sluice.adminToken}\n` +
            `Use it as SLUICE_ADMIN_TOKEN for \`sluice tenant create\` and \`sluice key create\`.\n\n`,
        );
      }
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'stopping: finishing in-flight requests');
        sluice.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
