/**
 * Every shell block of README.md and examples/README.md, run as written, top to bottom in one
 * shell per document the way a reader pastes them, against real servers, so the documents
 * cannot drift from what Sluice does. What a reader does by hand is done here too:
 *
 * - The blocks run in a fresh directory holding links to the checkout (`bin`, `src`,
 *   `scripts`, `examples`, `package.json`, `node_modules`), so the files they write stay there.
 * - Fixed ports (8080, 8081, 9000) become free ones; `npm install` (done) and `npm test` (this
 *   is it) are left out; a server a block starts (`npm start`, `sluice start`) runs in the
 *   background and the block goes on once it answers, as the reader would in another terminal.
 * - `sluice` is the checkout's `bin/sluice.js` (the README's alias); a live tail with `curl -N`
 *   is cut after a few seconds, as the reader would press Ctrl-C.
 * - `scripts/kafka.sh start` answers the test broker (SLUICE_TEST_KAFKA); blocks that need a
 *   broker are skipped, saying so, without one.
 * - The server runs with `SLUICE_DELIVERY_ALLOW_PRIVATE_NETWORKS=true`, as the README says to
 *   for its webhook receiver on 127.0.0.1.
 *
 * A command that exits non-zero fails the test unless the document says it will (a produce
 * with a rejected event exits 1), and so does an answer with an error no block means to cause;
 * then the state the blocks should have left is checked.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { kafkaBootstrap } from '../helpers/kafka.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const linked = ['bin', 'src', 'scripts', 'examples', 'package.json', 'node_modules'];

/** Commands the documents run on purpose although they exit non-zero, and why. */
const expectedFailures: { command: RegExp; why: string }[] = [
  { command: /produce (user-login|orders)( \S+)?$/, why: 'the documents send one event that is rejected, on purpose: exit status 1' },
];

function shellBlocks(file: string): string[] {
  const text = readFileSync(join(repo, file), 'utf8');
  return [...text.matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)].map((match) => match[1]!);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Ports {
  a: number;
  b: number;
  hook: number;
}

/** A block as the harness runs it: ports swapped, servers in the background and waited for. */
function prepare(block: string, ports: Ports): string {
  const lines: string[] = [];
  for (const raw of block.split('\n')) {
    let line = raw
      .replaceAll('8080', String(ports.a))
      .replaceAll('8081', String(ports.b))
      .replaceAll('9000', String(ports.hook));
    if (/^npm test\b/.test(line)) continue;
    line = line.replace(/^npm install && /, '');
    const starts = /(^npm start\b|sluice start\b|bin\/sluice\.js start\b)/.test(line);
    if (starts) {
      const command = line.replace(/\s+#.*$/, '').replace(/\s*&\s*$/, '');
      const port = /--port (\d+)/.exec(command)?.[1] ?? String(ports.a);
      lines.push(`${command} > server-${port}.log 2>&1 &`, `wait_ready ${port}`);
    } else lines.push(line);
  }
  return lines.join('\n');
}

const prelude = (ports: Ports): string => `
shopt -s expand_aliases
export SLUICE_PORT=${ports.a}
export SLUICE_URL=http://127.0.0.1:${ports.a}
failures="$PWD/failures.txt"; : > "$failures"
# A failing sluice command is recorded with its arguments by the function; the trap records the rest.
trap 'case "$BASH_COMMAND" in '"'"'node "$PWD/bin/sluice.js" "$@"'"'"'|return*) ;; *) echo "$BASH_COMMAND" >> "$failures";; esac' ERR
sluice() { node "$PWD/bin/sluice.js" "$@" || { local rc=$?; echo "sluice $*" >> "$failures"; return $rc; }; }
# A reader stops a live tail with Ctrl-C.
curl() { case " $* " in *" -sN "*|*" -N "*) command curl --max-time 3 "$@"; return 0;; esac; command curl "$@"; }
scripts/kafka.sh() { case "$1" in start) echo "${kafkaBootstrap ?? ''}";; *) :;; esac; }
wait_ready() { for _ in $(seq 1 300); do command curl -sf "http://127.0.0.1:$1/readyz" > /dev/null && return 0; sleep 0.2; done; echo "server on $1 did not get ready" >> "$failures"; cat server-$1.log >&2; }
`;

interface Session {
  dir: string;
  output: string;
  failures: string[];
  /** SLUICE_KEY as the last block left it. */
  key: string;
}

/** Error codes no block means to cause; an answer with one means the document drifted. */
const unexpectedCodes = ['destination_refused', 'not_found', 'unauthorized', 'forbidden', 'invalid_request', 'invalid_subscription', 'internal'];

/** Runs blocks in one bash in a fresh directory linked to the checkout; background servers are stopped afterwards. */
async function runSession(t: TestContext, blocks: string[], ports: Ports, env: NodeJS.ProcessEnv = {}): Promise<Session> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-readme-'));
  for (const name of linked) symlinkSync(join(repo, name), join(dir, name));
  const script = [prelude(ports), ...blocks.map((block) => prepare(block, ports)), 'echo "HARNESS_KEY=$SLUICE_KEY"'].join('\n');
  // Its own process group: the servers and receivers the blocks leave running are stopped with it.
  const child = spawn('bash', ['-c', script], {
    cwd: dir,
    env: { ...process.env, SLUICE_TEST_KAFKA: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    const signalGroup = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // the group is gone
      }
    };
    signalGroup('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    signalGroup('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const failures = readFileSync(join(dir, 'failures.txt'), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !expectedFailures.some((expected) => expected.command.test(line)));
  for (const code of unexpectedCodes) {
    if (new RegExp(`"code":\\s*"${code}"|sluice: ${code}:`).test(output)) failures.push(`an answer was ${code}`);
  }
  const key = /^HARNESS_KEY=(.*)$/m.exec(output)?.[1] ?? '';
  return { dir, output, failures, key };
}

async function api(port: number, path: string, token: string): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return response.json();
}

void test('README.md: every shell block runs as written and leaves what it promises', { timeout: 240_000 }, async (t) => {
  const blocks = shellBlocks('README.md');
  const needsKafka = (block: string): boolean => block.includes('kafka.sh start') && !block.includes('npm test');
  const ports: Ports = { a: await freePort(), b: await freePort(), hook: await freePort() };
  const session = await runSession(
    t,
    blocks.filter((block) => !needsKafka(block)),
    ports,
    { SLUICE_DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true' },
  );
  assert.deepEqual(session.failures, [], `commands failed:\n${session.failures.join('\n')}\n--- output ---\n${session.output.slice(-6000)}`);

  const admin = readFileSync(join(session.dir, '.sluice', 'admin-token'), 'utf8').trim();
  // Quick start: the valid fruit read back, the invalid one shown as a dead letter.
  assert.match(session.output, /"id":"order-1"/, 'the quick start read the valid event back');
  assert.match(session.output, /"code":"schema_validation_failed"/, 'the quick start showed the dead letter');
  // CLI: two logins stored and one rejected, Avro visits stored.
  assert.match(session.output, /3 events of user-login: 2 accepted, 1 rejected/);
  assert.match(session.output, /1 event of visits: 1 accepted, 0 rejected/);
  const tenants = await api(ports.a, '/v1/tenants', admin);
  assert.deepEqual(tenants.items.map((tenant: { id: string }) => tenant.id).sort(), ['acme', 'globex']);
  // The webhook receiver got the logins, signed and verified.
  let delivered = 0;
  for (let waited = 0; delivered === 0 && waited < 15_000; waited += 250) {
    const deliveries = await api(ports.a, '/v1/subscriptions/login-hook/deliveries', session.key);
    delivered = (deliveries.items as { status?: number }[]).filter((attempt) => attempt.status !== undefined && attempt.status < 300).length;
    if (delivered === 0) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.ok(delivered > 0, 'the README webhook was delivered');

  if (kafkaBootstrap === undefined) {
    t.diagnostic('the Kafka block was skipped: SLUICE_TEST_KAFKA is not set');
    return;
  }
  const kafkaPorts: Ports = { a: await freePort(), b: await freePort(), hook: await freePort() };
  const kafka = await runSession(t, blocks.filter(needsKafka), kafkaPorts, { SLUICE_KAFKA_TOPIC_PREFIX: `readme-${kafkaPorts.a}-` });
  assert.deepEqual(kafka.failures, [], `Kafka block commands failed:\n${kafka.failures.join('\n')}\n${kafka.output.slice(-4000)}`);
  for (const port of [kafkaPorts.a, kafkaPorts.b]) assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200, `the server on ${port} is ready`);
});

void test('examples/README.md: every shell block runs as written', { timeout: 240_000 }, async (t) => {
  const blocks = shellBlocks('examples/README.md');
  // The data directory the document names, fresh as a reader's would be.
  rmSync('/tmp/sluice-example', { recursive: true, force: true });
  t.after(() => rmSync('/tmp/sluice-example', { recursive: true, force: true }));
  const needsKafka = (block: string): boolean => block.includes('kafka.sh start');
  const ports: Ports = { a: await freePort(), b: await freePort(), hook: await freePort() };
  const session = await runSession(
    t,
    blocks.filter((block) => !needsKafka(block)),
    ports,
  );
  assert.deepEqual(session.failures, [], `commands failed:\n${session.failures.join('\n')}\n--- output ---\n${session.output.slice(-6000)}`);
  assert.match(session.output, /events of user-login: \d+ accepted, [1-9]\d* rejected/);
  assert.match(session.output, /"code":\s*"schema_validation_failed"/, 'the dead letter is listed');

  if (kafkaBootstrap === undefined) {
    t.diagnostic('the Kafka block was skipped: SLUICE_TEST_KAFKA is not set');
    return;
  }
  const kafkaPorts: Ports = { a: await freePort(), b: await freePort(), hook: await freePort() };
  const kafka = await runSession(t, blocks.filter(needsKafka), kafkaPorts, { SLUICE_KAFKA_TOPIC_PREFIX: `examples-${kafkaPorts.a}-` });
  assert.deepEqual(kafka.failures, [], `Kafka block commands failed:\n${kafka.failures.join('\n')}\n${kafka.output.slice(-4000)}`);
  assert.equal((await fetch(`http://127.0.0.1:${kafkaPorts.a}/readyz`)).status, 200);
});

void test('docs/getting-started.md: every shell block runs as written', { timeout: 240_000 }, async (t) => {
  const ports: Ports = { a: await freePort(), b: await freePort(), hook: await freePort() };
  const session = await runSession(t, shellBlocks('docs/getting-started.md'), ports);
  assert.deepEqual(session.failures, [], `commands failed:\n${session.failures.join('\n')}\n--- output ---\n${session.output.slice(-6000)}`);
  assert.match(session.output, /2 events of orders: 1 accepted, 1 rejected/);
  assert.match(session.output, /"order_id": "o-1"|"order_id":"o-1"/, 'the stored order was read back');
  assert.match(session.output, /"redriven": 0/, 'the redrive ran (the dead letter still fails: its schema was not changed)');
});
