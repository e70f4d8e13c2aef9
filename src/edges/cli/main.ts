import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { ApiError } from './client.ts';
import { setOutputFormat } from './output.ts';
import { registerAdmin } from './commands/admin.ts';
import { registerDeadLetters } from './commands/dead-letters.ts';
import { registerGroups } from './commands/groups.ts';
import { registerPipelines } from './commands/pipelines.ts';
import { registerProduce } from './commands/produce.ts';
import { registerSources } from './commands/sources.ts';
import { registerSubscriptions } from './commands/subscriptions.ts';
import { registerCorrelations } from './commands/correlations.ts';
import { registerStart } from './commands/start.ts';
import { registerStreams } from './commands/streams.ts';
import { registerTail } from './commands/tail.ts';
import { registerTypes } from './commands/types.ts';

// A reader that stops early (`sluice stream read … | head`) is not an error: stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const program = new Command('sluice')
  .description('Sluice: a multi-tenant event processor')
  .version(version)
  .option('-o, --output <format>', 'how answers print: json (default), table or quiet (SLUICE_OUTPUT)')
  .showHelpAfterError()
  .exitOverride();
program.hook('preAction', () => setOutputFormat((program.opts<{ output?: string }>().output ?? process.env.SLUICE_OUTPUT) || undefined));
registerStart(program);
registerAdmin(program);
registerTypes(program);
registerPipelines(program);
registerProduce(program);
registerStreams(program);
registerTail(program);
registerGroups(program);
registerDeadLetters(program);
registerSources(program);
registerSubscriptions(program);
registerCorrelations(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const known = error instanceof ApiError || error instanceof Error;
  process.stderr.write(`sluice: ${known ? error.message : String(error)}\n`);
  process.exit(error instanceof ApiError && error.status < 500 ? 1 : 2);
}
