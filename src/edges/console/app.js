// @ts-check
/**
 * Sluice's web console: a small single-page app over Sluice's own HTTP API, signed in with a
 * session cookie (POST /v1/session). Plain JavaScript checked by TypeScript (JSDoc types,
 * tsconfig.console.json), so it needs no build step and loads nothing from elsewhere. Every
 * value from the API reaches the page as text (DOM nodes, never HTML strings).
 */

/** @typedef {{ kind: 'admin' } | { kind: 'key', tenant: string, keyId: string, scopes: string[] }} Principal */
/** @typedef {Record<string, any>} Json */

const state = {
  /** @type {Principal | undefined} */ principal: undefined,
  csrf: '',
  /** @type {EventSource | undefined} */ tail: undefined,
  /** Why the sign-in page is shown (the session ended, the key was revoked). */
  signedOutBecause: '',
};

class ApiError extends Error {
  /** @param {number} status @param {Json | undefined} body */
  constructor(status, body) {
    super(body?.error?.message ?? body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = /** @type {string | undefined} */ (body?.error?.code);
    this.body = body;
  }
}

/**
 * Calls the API with the session cookie; writes carry the CSRF token.
 * @param {string} method @param {string} path @param {unknown} [body] @returns {Promise<any>}
 */
async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = state.csrf;
  /** @type {RequestInit} */
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  const text = await response.text();
  const data = text === '' ? undefined : JSON.parse(text);
  if (response.status === 401 && path !== '/v1/session') {
    signedOut(data?.error?.message);
    throw new ApiError(401, data);
  }
  if (response.status >= 400) throw new ApiError(response.status, data);
  return data;
}

/**
 * Builds an element; strings become text nodes, so nothing from the API is parsed as HTML.
 * @param {string} tag @param {Record<string, any>} [attrs] @param {...(Node | string | number | null | undefined | (Node | string)[])} children
 * @returns {HTMLElement}
 */
function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== undefined && value !== null) element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) element.append(child instanceof Node ? child : String(child));
  return element;
}

/** @param {string} message @param {boolean} [bad] */
function toast(message, bad = false) {
  const box = document.getElementById('toast');
  if (box === null) return;
  const item = h('div', { class: bad ? 'bad' : '' }, message);
  box.append(item);
  setTimeout(() => item.remove(), 6000);
}

/** @param {unknown} value */
const json = (value) => JSON.stringify(value, null, 2);
/** @param {string} text */
const enc = (text) => encodeURIComponent(text);

/** A JSON view with a copy button. @param {unknown} value */
function jsonView(value) {
  const text = json(value);
  return h(
    'div',
    {},
    h('pre', { tabindex: 0 }, text),
    h('button', { type: 'button', onclick: () => navigator.clipboard?.writeText(text).then(() => toast('Copied')) }, 'Copy'),
  );
}

/** @param {string[]} head @param {(Node | string)[][]} rows */
function table(head, rows) {
  if (rows.length === 0) return h('p', { class: 'muted' }, 'Nothing yet.');
  return scrollingTable(head, h('tbody', {}, rows.map(tableRow)));
}

/**
 * A list of the API as a table, a page at a time: "More" follows the answer's `next` cursor.
 * @param {string} path @param {string[]} head @param {(item: Json) => (Node | string)[]} rowOf
 */
async function pagedTable(path, head, rowOf) {
  const body = h('tbody');
  const more = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', hidden: true }, 'More'));
  /** @type {string | null} */
  let next = null;
  const load = async () => {
    const page = await api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=100${next === null ? '' : `&cursor=${enc(next)}`}`);
    for (const item of page.items) body.append(tableRow(rowOf(item)));
    next = page.next ?? null;
    more.hidden = next === null;
    return page.items.length;
  };
  more.addEventListener('click', () => void load());
  if ((await load()) === 0) return h('p', { class: 'muted' }, 'Nothing yet.');
  return scrollingTable(head, body, more);
}

/** @param {(Node | string)[]} cells */
function tableRow(cells) {
  return h(
    'tr',
    {},
    cells.map((cell) => h('td', {}, cell)),
  );
}

/** @param {string[]} head @param {Node} body @param {Node[]} after */
function scrollingTable(head, body, ...after) {
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          head.map((name) => h('th', { scope: 'col' }, name)),
        ),
      ),
      body,
    ),
    ...after,
  );
}

// ---- signing in and out ----

/** @param {string} [why] */
function signedOut(why) {
  state.principal = undefined;
  state.csrf = '';
  state.tail?.close();
  state.tail = undefined;
  if (why !== undefined) state.signedOutBecause = why;
  if (location.hash !== '#/sign-in') location.hash = '#/sign-in';
  else void render();
}

async function loadSession() {
  try {
    const session = await api('GET', '/v1/session');
    state.principal = session.principal;
    state.csrf = session.csrf ?? '';
  } catch {
    state.principal = undefined;
  }
}

/** @param {string} [why] */
function signInPage(why) {
  const token = /** @type {HTMLInputElement} */ (h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, size: 48 }));
  const error = h('p', { class: 'bad', role: 'alert' }, why ?? state.signedOutBecause);
  const form = h(
    'form',
    {
      onsubmit: async (/** @type {Event} */ event) => {
        event.preventDefault();
        try {
          const session = await api('POST', '/v1/session', { token: token.value.trim() });
          state.principal = session.principal;
          state.csrf = session.csrf;
          state.signedOutBecause = '';
          location.hash = state.principal?.kind === 'admin' ? '#/tenants' : '#/overview';
        } catch (err) {
          error.textContent = err instanceof Error ? err.message : String(err);
        }
      },
    },
    h('label', { for: 'token' }, 'API key or admin token', token),
    h('button', { class: 'primary', type: 'submit' }, 'Sign in'),
  );
  return h(
    'section',
    {},
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'The key stays on the server side: the browser keeps only a session cookie.'),
    form,
    error,
  );
}

// ---- tenant pages ----

/** Positions summed from a `next` cursor such as `0:12,1:7`. @param {string | number} next */
function cursorSum(next) {
  return String(next)
    .split(',')
    .reduce((sum, part) => sum + Number(part.split(':')[1] ?? part), 0);
}

/** Events per 5 minutes over the last hour, from the positions the stream had at each time. @param {string} stream */
async function hourlyCounts(stream) {
  const now = Date.now();
  /** @type {number[]} */
  const sums = [];
  for (let i = 0; i <= 12; i++) {
    const at = new Date(now - 3_600_000 + i * 300_000).toISOString();
    const page = await api('GET', `/v1/streams/${enc(stream)}/events?from=${enc(at)}&limit=1`);
    sums.push(cursorSum(page.next) - page.items.length);
  }
  const info = await api('GET', `/v1/streams/${enc(stream)}`);
  sums[12] = info.endOffsets.reduce((/** @type {number} */ a, /** @type {number} */ b) => a + b, 0);
  return sums.slice(1).map((sum, i) => Math.max(0, sum - /** @type {number} */ (sums[i])));
}

/** @param {number[]} counts @param {string} label */
function barChart(counts, label) {
  const max = Math.max(1, ...counts);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', '0 0 240 70');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${label}: ${counts.join(', ')} events per 5 minutes over the last hour`);
  counts.forEach((count, i) => {
    const bar = document.createElementNS(ns, 'rect');
    const height = Math.round((count / max) * 55);
    bar.setAttribute('x', String(i * 20 + 2));
    bar.setAttribute('y', String(58 - height));
    bar.setAttribute('width', '16');
    bar.setAttribute('height', String(height));
    svg.append(bar);
  });
  const caption = document.createElementNS(ns, 'text');
  caption.setAttribute('x', '2');
  caption.setAttribute('y', '68');
  caption.textContent = `max ${max} / 5 min`;
  svg.append(caption);
  return svg;
}

async function overviewPage() {
  const tenant = state.principal?.kind === 'key' ? state.principal.tenant : '';
  const [types, streams, groups, subscriptions] = await Promise.all([
    api('GET', '/v1/types'),
    api('GET', '/v1/streams'),
    api('GET', '/v1/groups').catch(() => ({ items: [] })),
    api('GET', '/v1/subscriptions').catch(() => ({ items: [] })),
  ]);
  /** @param {Json} info */
  const stored = (info) =>
    info.endOffsets.reduce((/** @type {number} */ sum, /** @type {number} */ end, /** @type {number} */ i) => sum + end - info.startOffsets[i], 0);
  const dead = streams.items.find((/** @type {Json} */ s) => s.name === `${tenant}._dead`);
  let groupLag = 0;
  for (const name of groups.items.slice(0, 20)) {
    const group = await api('GET', `/v1/groups/${enc(name)}`);
    for (const offset of group.offsets ?? []) groupLag += offset.lag ?? 0;
  }
  let subscriptionLag = 0;
  for (const item of subscriptions.items.slice(0, 20)) {
    const status = await api('GET', `/v1/subscriptions/${enc(item.name)}`);
    for (const partition of status.partitions ?? []) subscriptionLag += partition.lag ?? 0;
  }
  const cards = h(
    'div',
    { class: 'cards' },
    h('div', { class: 'card' }, h('div', { class: 'n' }, String(types.items.length)), 'event types'),
    h('div', { class: 'card' }, h('div', { class: 'n' }, String(dead === undefined ? 0 : stored(dead))), h('a', { href: '#/dead-letters' }, 'dead letters')),
    h('div', { class: 'card' }, h('div', { class: 'n' }, String(groupLag)), h('a', { href: '#/groups' }, 'consumer-group lag')),
    h('div', { class: 'card' }, h('div', { class: 'n' }, String(subscriptionLag)), h('a', { href: '#/subscriptions' }, 'subscription lag')),
  );
  const charts = h('div', { class: 'cards' });
  for (const type of types.items.slice(0, 12)) {
    const info = streams.items.find((/** @type {Json} */ s) => s.name === type.stream);
    const counts = await hourlyCounts(type.stream);
    charts.append(
      h(
        'div',
        { class: 'card' },
        h('a', { href: `#/types/${enc(type.type)}` }, type.type),
        h('div', { class: 'muted' }, `${info === undefined ? 0 : stored(info)} stored`),
        barChart(counts, type.type),
      ),
    );
  }
  return h('section', {}, h('h1', {}, `Overview: ${tenant}`), cards, h('h2', {}, 'Events per type, last hour'), charts);
}

async function typesPage() {
  return h(
    'section',
    {},
    h('h1', {}, 'Event types'),
    await pagedTable('/v1/types', ['type', 'stream', 'partitions', 'versions', 'compatibility', 'retention'], (t) => [
      h('a', { href: `#/types/${enc(t.type)}` }, t.type),
      h('a', { href: `#/streams/${enc(t.stream)}` }, t.stream),
      String(t.partitions),
      String(t.versions.length),
      t.compatibility,
      t.retention === undefined ? 'everything' : json(t.retention),
    ]),
  );
}

/**
 * A line diff (longest common subsequence) of two texts, as two columns.
 * @param {string} left @param {string} right
 */
function diffView(left, right) {
  const a = left.split('\n');
  const b = right.split('\n');
  const lengths = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) lengths[i][j] = a[i] === b[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
  const before = h('pre', { 'aria-label': 'older version' });
  const after = h('pre', { 'aria-label': 'newer version' });
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      before.append(h('span', {}, `  ${a[i]}\n`));
      after.append(h('span', {}, `  ${b[j]}\n`));
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lengths[i][j + 1] >= lengths[i + 1][j])) {
      after.append(h('span', { class: 'add' }, `+ ${b[j]}\n`));
      j++;
    } else {
      before.append(h('span', { class: 'del' }, `- ${a[i]}\n`));
      i++;
    }
  }
  return h('div', { class: 'diff' }, before, after);
}

/** @param {Json} version */
const schemaText = (version) => (typeof version.schema === 'string' ? version.schema : json(version.schema));

/** @param {string} name */
async function typePage(name) {
  const type = await api('GET', `/v1/types/${enc(name)}`);
  const versions = type.versions.filter((/** @type {Json} */ v) => v.deleted !== true).map((/** @type {Json} */ v) => v.version);
  const pick = (/** @type {string} */ id, /** @type {number} */ chosen) =>
    h(
      'select',
      { id, name: id },
      versions.map((/** @type {number} */ v) => h('option', { value: v, selected: v === chosen }, `version ${v}`)),
    );
  const older = /** @type {HTMLSelectElement} */ (pick('diff-a', versions.at(-2) ?? versions[0]));
  const newer = /** @type {HTMLSelectElement} */ (pick('diff-b', versions.at(-1)));
  const diffBox = h('div', { id: 'diff' });
  const showDiff = async () => {
    const [a, b] = await Promise.all([
      api('GET', `/v1/types/${enc(name)}/versions/${older.value}`),
      api('GET', `/v1/types/${enc(name)}/versions/${newer.value}`),
    ]);
    diffBox.replaceChildren(diffView(schemaText(a), schemaText(b)));
  };
  const samples = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'samples', name: 'samples', placeholder: '{"user_id":"u1"}\n{"user_id":"u2"}' }));
  const results = h('div', { id: 'dry-run-results' });
  const dryRun = async (/** @type {Event} */ event) => {
    event.preventDefault();
    let events;
    try {
      const text = samples.value.trim();
      const values = text.startsWith('[')
        ? JSON.parse(text)
        : text
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line));
      events = values.map((/** @type {unknown} */ data) => ({ data }));
    } catch (err) {
      results.replaceChildren(h('p', { class: 'bad' }, `The samples are not JSON: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    const answer = await api('POST', `/v1/types/${enc(name)}/pipeline/test`, { events });
    results.replaceChildren(
      ...answer.results.map((/** @type {Json} */ r) =>
        h(
          'div',
          { class: 'card' },
          h('strong', { class: r.outcome === 'dead-letter' ? 'bad' : 'good' }, `#${r.index}: ${r.outcome}`),
          r.error === undefined
            ? jsonView(r.outputs ?? [])
            : h(
                'div',
                {},
                `${r.error.code}: ${r.error.message}`,
                table(
                  ['path', 'reason'],
                  (r.error.details ?? []).map((/** @type {Json} */ d) => [d.path, d.reason]),
                ),
              ),
        ),
      ),
    );
  };
  const section = h(
    'section',
    {},
    h('h1', {}, `Event type ${type.type}`),
    h(
      'p',
      {},
      `Stream `,
      h('a', { href: `#/streams/${enc(type.stream)}` }, type.stream),
      ` · ${type.partitions} partitions · compatibility ${type.compatibility}`,
      type.partitionKey === undefined ? '' : ` · keyed by ${type.partitionKey}`,
    ),
    h('h2', {}, 'Versions'),
    table(
      ['version', 'schema id', 'created'],
      type.versions.map((/** @type {Json} */ v) => [String(v.version), String(v.schemaId), v.createdAt ?? '']),
    ),
    h('h2', {}, 'Compare two versions'),
    h(
      'form',
      { onsubmit: (/** @type {Event} */ e) => (e.preventDefault(), void showDiff()) },
      h('label', { for: 'diff-a' }, 'Older', older),
      h('label', { for: 'diff-b' }, 'Newer', newer),
      h('button', { type: 'submit' }, 'Compare'),
    ),
    diffBox,
    h('h2', {}, 'Pipeline'),
    jsonView(type.pipeline ?? {}),
    h('h2', {}, 'Try the pipeline'),
    h(
      'form',
      { onsubmit: dryRun },
      h('label', { for: 'samples', class: 'grow' }, 'Sample data, one JSON value per line (nothing is stored)', samples),
      h('button', { class: 'primary', type: 'submit' }, 'Dry run'),
    ),
    results,
  );
  if (versions.length > 1) void showDiff();
  return section;
}

/** @param {string} [chosen] */
async function streamsPage(chosen) {
  const streams = await api('GET', '/v1/streams');
  const names = streams.items.map((/** @type {Json} */ s) => s.name);
  const stream = chosen ?? names.find((/** @type {string} */ n) => !n.endsWith('._dead')) ?? names[0];
  if (stream === undefined) return h('section', {}, h('h1', {}, 'Streams'), h('p', { class: 'muted' }, 'No streams yet: register an event type.'));
  const info = streams.items.find((/** @type {Json} */ s) => s.name === stream);
  const select = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'stream', name: 'stream', onchange: () => (location.hash = `#/streams/${enc(select.value)}`) },
      names.map((/** @type {string} */ n) => h('option', { value: n, selected: n === stream }, n)),
    )
  );
  const partition = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'partition', name: 'partition' },
      h('option', { value: '' }, 'all'),
      Array.from({ length: info.partitions }, (_, p) => h('option', { value: p }, String(p))),
    )
  );
  const from = /** @type {HTMLInputElement} */ (h('input', { id: 'from', name: 'from', value: 'earliest', size: 24 }));
  const searchId = /** @type {HTMLInputElement} */ (h('input', { id: 'event-id', name: 'event-id', size: 36 }));
  const rows = h('div', { id: 'records' });
  let next = /** @type {string | number | undefined} */ (undefined);
  const more = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', disabled: true, onclick: () => void load(true) }, 'Next page'));
  const recordRow = (/** @type {Json} */ r) => {
    const detail = h('div', { hidden: true }, jsonView(r));
    return h(
      'tr',
      {},
      h('td', {}, String(r.partition)),
      h('td', {}, String(r.offset)),
      h('td', {}, r.id),
      h('td', {}, r.key ?? ''),
      h('td', {}, r.receivedAt ?? ''),
      h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            'aria-expanded': 'false',
            onclick: (/** @type {Event} */ e) => {
              detail.hidden = !detail.hidden;
              /** @type {HTMLElement} */ (e.currentTarget).setAttribute('aria-expanded', String(!detail.hidden));
            },
          },
          'JSON',
        ),
        detail,
      ),
    );
  };
  const body = h('tbody');
  const load = async (/** @type {boolean} */ again) => {
    const query = new URLSearchParams({ limit: '100' });
    if (partition.value !== '') query.set('partition', partition.value);
    if (again && next !== undefined) {
      // An offset comes back from one partition (named, or the stream's only one), a cursor from all.
      if (typeof next === 'number') {
        query.set('partition', partition.value || '0');
        query.set('from', String(next));
      } else query.set('cursor', next);
    } else query.set('from', from.value.trim() || 'earliest');
    const page = await api('GET', `/v1/streams/${enc(stream)}/events?${query}`);
    if (!again) body.replaceChildren();
    for (const record of page.items) body.append(recordRow(record));
    next = page.next;
    more.disabled = page.items.length === 0;
    rows.replaceChildren(
      body.childElementCount === 0
        ? h('p', { class: 'muted' }, 'No records here.')
        : h(
            'div',
            { class: 'scroll' },
            h(
              'table',
              {},
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['partition', 'offset', 'id', 'key', 'received', ''].map((n) => h('th', { scope: 'col' }, n)),
                ),
              ),
              body,
            ),
          ),
      more,
    );
  };
  const found = h('div', { id: 'found' });
  const search = async (/** @type {Event} */ event) => {
    event.preventDefault();
    try {
      found.replaceChildren(jsonView(await api('GET', `/v1/streams/${enc(stream)}/events/${enc(searchId.value.trim())}`)));
    } catch (err) {
      found.replaceChildren(h('p', { class: 'bad' }, err instanceof Error ? err.message : String(err)));
    }
  };
  await load(false);
  return h(
    'section',
    {},
    h('h1', {}, 'Stream browser'),
    h(
      'form',
      { onsubmit: (/** @type {Event} */ e) => (e.preventDefault(), void load(false)) },
      h('label', { for: 'stream' }, 'Stream', select),
      h('label', { for: 'partition' }, 'Partition', partition),
      h('label', { for: 'from' }, 'From (earliest, latest, an offset, or a time)', from),
      h('button', { class: 'primary', type: 'submit' }, 'Read'),
      h('a', { href: `#/tail/${enc(stream)}` }, 'Live tail'),
    ),
    h('form', { onsubmit: search }, h('label', { for: 'event-id' }, 'Find an event by id', searchId), h('button', { type: 'submit' }, 'Find')),
    found,
    rows,
  );
}

/** @param {string} [chosen] */
async function tailPage(chosen) {
  const streams = await api('GET', '/v1/streams');
  const names = streams.items.map((/** @type {Json} */ s) => s.name);
  const stream = chosen ?? names.find((/** @type {string} */ n) => !n.endsWith('._dead'));
  if (stream === undefined) return h('section', {}, h('h1', {}, 'Live tail'), h('p', { class: 'muted' }, 'No streams yet.'));
  const select = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'tail-stream', name: 'tail-stream', onchange: () => (location.hash = `#/tail/${enc(select.value)}`) },
      names.map((/** @type {string} */ n) => h('option', { value: n, selected: n === stream }, n)),
    )
  );
  const filter = /** @type {HTMLInputElement} */ (h('input', { id: 'tail-filter', name: 'tail-filter', placeholder: 'text to match' }));
  const list = h('ol', { id: 'tail', reversed: true, 'aria-live': 'polite' });
  const status = h('span', { class: 'muted' }, 'connecting…');
  /** @type {Json[]} */
  const held = [];
  let paused = false;
  const pause = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', 'aria-pressed': 'false' }, 'Pause'));
  const show = (/** @type {Json} */ record) => {
    const text = JSON.stringify(record);
    if (filter.value !== '' && !text.includes(filter.value)) return;
    list.prepend(h('li', {}, h('code', {}, `${record.stream} ${record.partition}:${record.offset} `), h('pre', {}, json(record.data))));
    while (list.childElementCount > 200) list.lastElementChild?.remove();
  };
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
    if (!paused) held.splice(0).forEach(show);
  });
  state.tail?.close();
  const source = new EventSource(`/v1/streams/${enc(stream)}/tail?from=latest`);
  state.tail = source;
  source.addEventListener('open', () => (status.textContent = 'following'));
  source.addEventListener('record', (event) => {
    const record = JSON.parse(/** @type {MessageEvent} */ (event).data);
    if (paused) {
      held.push(record);
      status.textContent = `paused: ${held.length} waiting`;
    } else show(record);
  });
  source.addEventListener('error', (event) => {
    const data = /** @type {MessageEvent} */ (event).data;
    if (typeof data === 'string' && data.includes('unauthorized')) {
      source.close();
      signedOut('The key was revoked: signed out.');
    } else status.textContent = 'reconnecting…';
  });
  return h(
    'section',
    {},
    h('h1', {}, 'Live tail'),
    h('div', { class: 'bar' }, h('label', { for: 'tail-stream' }, 'Stream', select), h('label', { for: 'tail-filter' }, 'Filter', filter), pause, status),
    list,
  );
}

async function deadLettersPage() {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const type = /** @type {HTMLInputElement} */ (h('input', { id: 'dl-type', name: 'type', value: params.get('type') ?? '' }));
  const code = /** @type {HTMLInputElement} */ (h('input', { id: 'dl-code', name: 'code', value: params.get('code') ?? '' }));
  const stage = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'dl-stage', name: 'stage' },
      ['', 'ingest', 'source', 'transform', 'route', 'delivery'].map((s) =>
        h('option', { value: s, selected: s === (params.get('stage') ?? '') }, s === '' ? 'any' : s),
      ),
    )
  );
  const query = new URLSearchParams({ limit: '200' });
  if (type.value !== '') query.set('type', type.value);
  if (code.value !== '') query.set('code', code.value);
  const listed = await api('GET', `/v1/dead-letters?${query}`);
  const items = listed.items.filter((/** @type {Json} */ d) => stage.value === '' || d.stage === stage.value);
  /** @type {Set<number>} */
  const chosen = new Set();
  const rows = items.map((/** @type {Json} */ d) => [
    h('input', {
      type: 'checkbox',
      'aria-label': `select dead letter ${d.offset}`,
      onchange: (/** @type {Event} */ e) => (/** @type {HTMLInputElement} */ (e.currentTarget).checked ? chosen.add(d.offset) : chosen.delete(d.offset)),
    }),
    String(d.offset),
    d.type ?? '',
    d.stage,
    h('span', { class: 'bad' }, d.code),
    h('div', {}, d.message, ...(d.details ?? []).map((/** @type {Json} */ x) => h('div', {}, h('code', {}, x.path), ` ${x.reason}`))),
    h('pre', {}, prettyOriginal(d.original)),
  ]);
  const redrive = async () => {
    if (chosen.size === 0) return toast('Select dead letters first', true);
    const answer = await api('POST', '/v1/dead-letters/redrive', { offsets: [...chosen] });
    toast(`${answer.redriven} redriven, ${answer.failed} still failing`, answer.failed > 0);
    void render();
  };
  const apply = (/** @type {Event} */ event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (type.value !== '') next.set('type', type.value);
    if (code.value !== '') next.set('code', code.value);
    if (stage.value !== '') next.set('stage', stage.value);
    location.hash = `#/dead-letters?${next}`;
  };
  return h(
    'section',
    {},
    h('h1', {}, 'Dead letters'),
    h(
      'form',
      { onsubmit: apply },
      h('label', { for: 'dl-type' }, 'Type', type),
      h('label', { for: 'dl-code' }, 'Code', code),
      h('label', { for: 'dl-stage' }, 'Stage', stage),
      h('button', { type: 'submit' }, 'Filter'),
    ),
    h(
      'div',
      { class: 'bar' },
      h('button', { class: 'primary', type: 'button', id: 'redrive', onclick: () => void redrive() }, 'Redrive selected'),
      h('span', { class: 'muted' }, `${items.length} pending`),
    ),
    table(['', 'offset', 'type', 'stage', 'code', 'reason and path', 'original event'], rows),
  );
}

/** @param {string} original */
function prettyOriginal(original) {
  try {
    return json(JSON.parse(original));
  } catch {
    return original;
  }
}

async function groupsPage() {
  const groups = await api('GET', '/v1/groups');
  const sections = [];
  for (const name of groups.items) {
    const group = await api('GET', `/v1/groups/${enc(name)}`);
    sections.push(
      h('h2', {}, `${name} (members: ${(group.members ?? []).join(', ') || 'none'})`),
      table(
        ['stream', 'partition', 'committed', 'end', 'lag'],
        (group.offsets ?? []).map((/** @type {Json} */ o) => [o.stream, String(o.partition), String(o.offset), String(o.end), String(o.lag)]),
      ),
    );
  }
  return h('section', {}, h('h1', {}, 'Consumer groups'), sections.length === 0 ? h('p', { class: 'muted' }, 'No consumer groups yet.') : sections);
}

async function subscriptionsPage() {
  return h(
    'section',
    {},
    h('h1', {}, 'Subscriptions'),
    await pagedTable('/v1/subscriptions', ['name', 'types', 'destination', 'state'], (s) => [
      h('a', { href: `#/subscriptions/${enc(s.name)}` }, s.name),
      s.types.join(', '),
      s.destination?.kind ?? '',
      s.state,
    ]),
  );
}

/** @param {string} name */
async function subscriptionPage(name) {
  const [status, deliveries] = await Promise.all([api('GET', `/v1/subscriptions/${enc(name)}`), api('GET', `/v1/subscriptions/${enc(name)}/deliveries`)]);
  const act = (/** @type {string} */ what, /** @type {unknown} */ body) => async () => {
    await api('POST', `/v1/subscriptions/${enc(name)}/${what}`, body);
    toast(`${name}: ${what} done`);
    void render();
  };
  return h(
    'section',
    {},
    h('h1', {}, `Subscription ${name}`),
    h('p', {}, `State: ${status.state}`, status.disabledReason === undefined ? '' : ` (${status.disabledReason})`),
    h(
      'div',
      { class: 'bar' },
      h('button', { type: 'button', onclick: act('pause', undefined) }, 'Pause'),
      h('button', { type: 'button', onclick: act('resume', undefined) }, 'Resume'),
      h('button', { type: 'button', onclick: act('replay', { from: 'earliest' }) }, 'Replay from the start'),
    ),
    h('h2', {}, 'Progress'),
    table(
      ['stream', 'partition', 'committed', 'end', 'lag'],
      (status.partitions ?? []).map((/** @type {Json} */ p) => [p.stream, String(p.partition), String(p.committed), String(p.end), String(p.lag)]),
    ),
    h('h2', {}, 'Recent delivery attempts'),
    table(
      ['at', 'status', 'records', 'duration', 'error'],
      (deliveries.items ?? []).map((/** @type {Json} */ d) => [
        d.at ?? '',
        String(d.status ?? ''),
        String(d.records ?? ''),
        d.durationMs === undefined ? '' : `${d.durationMs} ms`,
        d.error ?? '',
      ]),
    ),
  );
}

async function correlationsPage() {
  const list = await api('GET', '/v1/correlations');
  const sections = [];
  for (const item of list.items) {
    const status = await api('GET', `/v1/correlations/${enc(item.name)}`);
    sections.push(
      h('h2', {}, item.name),
      h('p', { class: 'muted' }, `types: ${(item.definition?.types ?? status.definition?.types ?? []).join(', ')}`),
      jsonView(status.counts ?? {}),
      h('h3', {}, 'Open instances'),
      await pagedTable(`/v1/correlations/${enc(item.name)}/instances`, ['key', 'events so far', 'types arrived', 'deadline'], (state) => [
        state.key,
        String(state.open?.count ?? 0),
        Object.keys(state.open?.events ?? {}).join(', '),
        state.open === undefined ? '' : new Date(state.open.deadline).toISOString(),
      ]),
    );
  }
  return h('section', {}, h('h1', {}, 'Correlations'), sections.length === 0 ? h('p', { class: 'muted' }, 'No correlations yet.') : sections);
}

// ---- admin pages ----

async function tenantsPage() {
  const [tenants, metrics] = await Promise.all([
    pagedTable('/v1/tenants', ['tenant', 'created'], (t) => [h('a', { href: `#/tenants/${enc(t.id)}` }, t.id), t.createdAt]),
    fetch('/metrics', { credentials: 'same-origin' }).then((r) => (r.ok ? r.text() : '')),
  ]);
  const total = (/** @type {string} */ name) =>
    metrics
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  const id = /** @type {HTMLInputElement} */ (h('input', { id: 'tenant-id', name: 'tenant-id', required: true, pattern: '[a-z0-9][a-z0-9-]{0,62}' }));
  const create = async (/** @type {Event} */ event) => {
    event.preventDefault();
    await api('POST', '/v1/tenants', { id: id.value.trim() });
    toast(`tenant ${id.value} created`);
    void render();
  };
  return h(
    'section',
    {},
    h('h1', {}, 'Tenants'),
    h(
      'div',
      { class: 'cards' },
      ...[
        ['sluice_events_accepted_total', 'events accepted'],
        ['sluice_events_dead_lettered_total', 'dead-lettered'],
        ['sluice_deliveries_total', 'delivery attempts'],
      ].map(([metric, label]) => h('div', { class: 'card' }, h('div', { class: 'n' }, String(total(/** @type {string} */ (metric)))), label)),
    ),
    h('form', { onsubmit: create }, h('label', { for: 'tenant-id' }, 'New tenant id', id), h('button', { class: 'primary', type: 'submit' }, 'Create tenant')),
    tenants,
  );
}

/** @param {string} tenant */
async function tenantPage(tenant) {
  const scopes = ['produce', 'consume', 'manage'].map(
    (scope) => /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', value: scope, checked: true, id: `scope-${scope}` })),
  );
  const secret = h('div', { id: 'secret' });
  const keyList = h('div', { id: 'keys' });
  const listKeys = async () => {
    const keys = await api('GET', `/v1/tenants/${enc(tenant)}/keys`);
    keyList.replaceChildren(
      table(
        ['key', 'scopes', 'created', ''],
        keys.items.map((/** @type {Json} */ k) => [k.id, k.scopes.join(', '), k.createdAt, h('button', { type: 'button', onclick: revoke(k.id) }, 'Revoke')]),
      ),
    );
  };
  const create = async (/** @type {Event} */ event) => {
    event.preventDefault();
    const created = await api('POST', `/v1/tenants/${enc(tenant)}/keys`, { scopes: scopes.filter((s) => s.checked).map((s) => s.value) });
    secret.replaceChildren(h('div', { class: 'card' }, h('strong', {}, 'The secret is shown this once: copy it now.'), jsonView(created.key)));
    await listKeys();
  };
  const revoke = (/** @type {string} */ keyId) => async () => {
    await api('DELETE', `/v1/tenants/${enc(tenant)}/keys/${enc(keyId)}`);
    toast(`key ${keyId} revoked`);
    secret.replaceChildren();
    await listKeys();
  };
  await listKeys();
  return h(
    'section',
    {},
    h('h1', {}, `Tenant ${tenant}`),
    h(
      'form',
      { onsubmit: create },
      ...scopes.map((box) => h('label', { for: box.id }, box.value, box)),
      h('button', { class: 'primary', type: 'submit' }, 'Create key'),
    ),
    secret,
    keyList,
  );
}

// ---- routing ----

const tenantNav = [
  ['overview', 'Overview'],
  ['types', 'Event types'],
  ['streams', 'Streams'],
  ['tail', 'Live tail'],
  ['dead-letters', 'Dead letters'],
  ['groups', 'Groups'],
  ['subscriptions', 'Subscriptions'],
  ['correlations', 'Correlations'],
];
const adminNav = [['tenants', 'Tenants']];

function renderNav() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (nav === null || who === null) return;
  const page = location.hash.slice(2).split(/[/?]/)[0];
  const items = state.principal === undefined ? [] : state.principal.kind === 'admin' ? adminNav : tenantNav;
  nav.replaceChildren(...items.map(([id, label]) => h('a', { href: `#/${id}`, 'aria-current': id === page ? 'page' : false }, /** @type {string} */ (label))));
  const principal = state.principal;
  who.replaceChildren(
    principal === undefined ? '' : principal.kind === 'admin' ? 'admin' : `${principal.tenant} · ${principal.scopes.join(', ')}`,
    principal === undefined
      ? ''
      : h(
          'button',
          {
            type: 'button',
            id: 'sign-out',
            onclick: async () => {
              await api('DELETE', '/v1/session').catch(() => undefined);
              signedOut('Signed out.');
            },
          },
          'Sign out',
        ),
  );
}

/** @param {string} [message] */
async function render(message) {
  const main = document.getElementById('main');
  if (main === null) return;
  const [page = '', ...rest] = location.hash.replace(/^#\/?/, '').split('?')[0].split('/');
  const arg = rest.length === 0 ? undefined : decodeURIComponent(rest.join('/'));
  if (page !== 'tail') {
    state.tail?.close();
    state.tail = undefined;
  }
  renderNav();
  if (state.principal === undefined) {
    main.replaceChildren(signInPage(message));
    return;
  }
  const admin = state.principal.kind === 'admin';
  /** @type {Record<string, () => Promise<Node>>} */
  const pages = admin
    ? { tenants: () => (arg === undefined ? tenantsPage() : tenantPage(arg)) }
    : {
        overview: overviewPage,
        types: () => (arg === undefined ? typesPage() : typePage(arg)),
        streams: () => streamsPage(arg),
        tail: () => tailPage(arg),
        'dead-letters': deadLettersPage,
        groups: groupsPage,
        subscriptions: () => (arg === undefined ? subscriptionsPage() : subscriptionPage(arg)),
        correlations: correlationsPage,
      };
  const show = pages[page] ?? pages[admin ? 'tenants' : 'overview'];
  try {
    const node = await /** @type {() => Promise<Node>} */ (show)();
    main.replaceChildren(node);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    main.replaceChildren(h('p', { class: 'bad', role: 'alert' }, err instanceof Error ? err.message : String(err)));
  }
}

window.addEventListener('hashchange', () => void render());
window.addEventListener('unhandledrejection', (event) => {
  if (event.reason instanceof ApiError && event.reason.status === 401) return;
  toast(event.reason instanceof Error ? event.reason.message : String(event.reason), true);
});
await loadSession();
if (state.principal === undefined) location.hash = '#/sign-in';
await render();

export {};
