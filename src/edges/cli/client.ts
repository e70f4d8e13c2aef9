/** A small HTTP client for the CLI: one place that turns API errors into readable text. */
export interface ClientOptions {
  url: string;
  token: string | undefined;
}

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    const error = (body as { error?: { code?: string; message?: string; fix?: string; details?: { path: string; reason: string }[] } } | undefined)?.error;
    const lines = [error === undefined ? `HTTP ${status}` : `${error.code ?? 'error'}: ${error.message ?? ''}`];
    for (const detail of error?.details ?? []) lines.push(`  ${detail.path || '(root)'}: ${detail.reason}`);
    if (error?.fix !== undefined) lines.push(`fix: ${error.fix}`);
    super(lines.join('\n'));
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

export class Client {
  readonly #url: string;
  readonly #token: string | undefined;

  constructor(options: ClientOptions) {
    this.#url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.#token === undefined ? extra : { authorization: `Bearer ${this.#token}`, ...extra };
  }

  url(path: string): string {
    return `${this.#url}${path}`;
  }

  /** Sends a request; resolves with the parsed body, or throws ApiError for a 4xx/5xx. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    options: { contentType?: string; acceptStatuses?: number[] } = {},
  ): Promise<{ status: number; body: unknown }> {
    const init: RequestInit = { method, headers: this.headers(body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' }) };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    let response: Response;
    try {
      response = await fetch(this.url(path), init);
    } catch (error) {
      throw new Error(
        `cannot reach Sluice at ${this.#url}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}. Is it running? Set --url or SLUICE_URL.`,
      );
    }
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : safeJson(text);
    if (response.status >= 400 && !(options.acceptStatuses ?? []).includes(response.status)) throw new ApiError(response.status, parsed);
    return { status: response.status, body: parsed };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
