import type { Command } from 'commander';
import { ApiError } from '../client.ts';
import { clientFor, withConnection, type ConnectionOptions } from '../connection.ts';

interface TailOptions extends ConnectionOptions {
  from: string;
  limit?: string;
}

/** `sluice tail <stream>`: follows a stream over SSE and prints one JSON record per line. */
export function registerTail(program: Command): void {
  withConnection(
    program
      .command('tail <stream>')
      .description('follow a stream live, one JSON record per line; resumes after a dropped connection')
      .option('--from <where>', 'earliest, latest, or an RFC 3339 time', 'latest')
      .option('-n, --limit <n>', 'stop after this many records'),
    'key',
  ).action(async (stream: string, options: TailOptions) => {
    const client = clientFor(options, 'key');
    const limit = options.limit === undefined ? Infinity : Number(options.limit);
    let printed = 0;
    let lastEventId: string | undefined;
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    for (let attempt = 0; printed < limit && !controller.signal.aborted; attempt++) {
      const headers = client.headers(
        lastEventId === undefined ? { accept: 'text/event-stream' } : { accept: 'text/event-stream', 'last-event-id': lastEventId },
      );
      try {
        const response = await fetch(client.url(`/v1/streams/${encodeURIComponent(stream)}/tail?from=${encodeURIComponent(options.from)}`), {
          headers,
          signal: controller.signal,
        });
        if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => undefined));
        attempt = 0;
        for await (const message of sseMessages(response)) {
          if (message.id !== undefined) lastEventId = message.id;
          if (message.event !== 'record') continue;
          process.stdout.write(`${message.data}\n`);
          if (++printed >= limit) {
            controller.abort();
            break;
          }
        }
      } catch (error) {
        if (controller.signal.aborted) break;
        if (error instanceof ApiError || attempt >= 5) throw error;
        process.stderr.write(`connection lost (${(error as Error).message}); resuming\n`);
        await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
      }
    }
  });
}

async function* sseMessages(response: Response): AsyncGenerator<{ id?: string; event?: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const message: { id?: string; event?: string; data: string } = { data: '' };
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon === 0) continue;
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') message.id = value;
        else if (field === 'event') message.event = value;
        else if (field === 'data') message.data += message.data === '' ? value : `\n${value}`;
      }
      yield message;
    }
  }
}
