/** What decides and paces the retries of `createAsteri`; every field has a default. */
export interface RetryOptions {
  /** Retries after the first attempt (default 3); 0 turns retrying off. */
  maxRetries?: number;
  /** The first backoff's ceiling in ms (default 500); it doubles with every retry. */
  baseDelayMs?: number;
  /** The largest backoff ceiling in ms (default 8,000). */
  maxDelayMs?: number;
  /**
   * The longest `Retry-After` worth waiting for, in ms (default 60,000). A 429 asking for more
   * (the per-day budget) is returned to the caller at once.
   */
  maxRetryAfterMs?: number;
  /** Waits `ms` (default: a timer, cut short by the request's abort signal). For tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A number in [0, 1) (default Math.random), for the jitter. For tests. */
  random?: () => number;
  /** Called before each wait: the attempt that failed (1 for the first), why, and the wait. */
  onRetry?: (retry: RetryInfo) => void;
}

export interface RetryInfo {
  request: Request;
  attempt: number;
  delayMs: number;
  /** The retried answer, or the network error. */
  response?: Response;
  error?: unknown;
}

type Fetch = (request: Request) => Promise<Response>;

/**
 * Wraps `fetch` with the retries the contract makes safe (CONTRACT section 5):
 * - a 429 is retried for every method: the edge refused it before anything ran. It waits
 *   `Retry-After` seconds when the answer says, else backs off;
 * - a 5xx or a network error is retried for GET, HEAD and DELETE (a repeat leaves the same
 *   state; a DELETE whose first try went through answers 404) and for POST, which carries an
 *   `Idempotency-Key` kept across its retries (the server replays the first answer; it
 *   forgets the key after a 5xx so the retry runs again). PATCH is not retried then: it has no
 *   idempotency key, and a repeat would record the change (audit entry, webhook event) twice
 *   and could undo a change made in between;
 * - a POST answered 409 `idempotency_key_in_use` (the same key still running elsewhere) is
 *   retried, to get the first request's answer.
 * Backoff is exponential with full jitter: random() * min(maxDelayMs, baseDelayMs * 2^retry).
 */
export function retryingFetch(inner: Fetch, options: RetryOptions = {}): Fetch {
  const maxRetries = options.maxRetries ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 8_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(`maxRetries must be a whole number >= 0, not ${maxRetries}`);
  }
  const backoff = (retry: number) => random() * Math.min(maxDelayMs, baseDelayMs * 2 ** retry);

  return async (request) => {
    const method = request.method.toUpperCase();
    const survivesFailure = method !== "PATCH";
    for (let retry = 0; ; retry++) {
      const last = retry >= maxRetries;
      // Each try sends a copy: a body can be read once, and the next try needs it again.
      const sent = last ? request : request.clone();
      let response: Response;
      try {
        response = await inner(sent);
      } catch (error) {
        if (last || !survivesFailure || request.signal?.aborted) throw error;
        const delayMs = backoff(retry);
        options.onRetry?.({ request, attempt: retry + 1, delayMs, error });
        await sleep(delayMs, request.signal ?? undefined);
        continue;
      }
      if (last) return response;
      let delayMs: number | undefined;
      if (response.status === 429) {
        const asked = retryAfterMs(response);
        if (asked !== undefined && asked > maxRetryAfterMs) return response;
        delayMs = asked ?? backoff(retry);
      } else if (response.status >= 500 && survivesFailure) {
        delayMs = backoff(retry);
      } else if (response.status === 409 && method === "POST" && (await isKeyInUse(response))) {
        delayMs = backoff(retry);
      }
      if (delayMs === undefined) return response;
      options.onRetry?.({ request, attempt: retry + 1, delayMs, response });
      await response.body?.cancel().catch(() => {});
      await sleep(delayMs, request.signal ?? undefined);
    }
  };
}

/** `Retry-After` in ms: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(response: Response, now: number = Date.now()): number | undefined {
  const value = response.headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function isKeyInUse(response: Response): Promise<boolean> {
  try {
    const body: unknown = await response.clone().json();
    return (body as { code?: unknown } | null)?.code === "idempotency_key_in_use";
  } catch {
    return false;
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
