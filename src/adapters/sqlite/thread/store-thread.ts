import { parentPort, workerData } from 'node:worker_threads';
import { openInProcessStore } from '../store.ts';
import type { Call, Notice, Reply, StoreThreadData } from './protocol.ts';
import { serializeError } from './protocol.ts';

/**
 * The store thread: owns the SQLite connection and runs the SQLite adapters, so inserts,
 * commits and fsyncs never block the main thread's event loop. Calls arrive as messages;
 * appends that arrive together still share one transaction (group commit).
 */
const port = parentPort;
if (port === null) throw new Error('store-thread.ts runs as a worker thread');
const { dataDir, options } = workerData as StoreThreadData;
const post = (message: Notice | Reply): void => port.postMessage(message);

let store: ReturnType<typeof openInProcessStore>;
try {
  store = openInProcessStore(dataDir, options, (report) => post({ notice: 'checkpoint', report }));
} catch (error) {
  post({ notice: 'failed', error: serializeError(error) });
  process.exit(1);
}
store.log.onAppended((streams) => post({ notice: 'appended', streams }));
const targets = { log: store.log, catalog: store.catalog, groups: store.groups, state: store.state } as const;

port.on('message', (message: Call | { close: true }) => {
  if ('close' in message) {
    void store.close().then(() => {
      post({ notice: 'closed' });
      port.close();
    });
    return;
  }
  const target = targets[message.target] as unknown as Record<string, (...args: unknown[]) => unknown>;
  const method = target[message.method];
  if (typeof method !== 'function') {
    post({ id: message.id, ok: false, error: { kind: 'other', name: 'Error', message: `no method ${message.target}.${message.method}` } });
    return;
  }
  Promise.resolve()
    .then(() => method.apply(target, message.args))
    .then(
      (result) => post({ id: message.id, ok: true, result }),
      (error: unknown) => post({ id: message.id, ok: false, error: serializeError(error) }),
    );
});
post({ notice: 'ready', catalog: store.catalog.entries(), migration: store.migration });
