import { StoreUnavailable } from '../../ports/errors.ts';

/** @platformatic/kafka's codes for a cluster that could not be reached in time. */
const unreachableCodes = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);

/**
 * The port as its callers see it: every method's failure passes through `toPortError`, so a
 * Kafka client error that means "the cluster is not there" leaves the adapter as
 * `StoreUnavailable`. Methods run on the port itself (its private fields stay reachable).
 */
export function withPortErrors<T extends object>(port: T): T {
  // One wrapper per method, made on first use: appends go through here on every request.
  const wrapped = new Map<PropertyKey, (...args: unknown[]) => unknown>();
  return new Proxy(port, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const known = wrapped.get(property);
      if (known !== undefined) return known;
      const wrapper = (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          throw toPortError(error);
        }
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          throw toPortError(error);
        });
      };
      wrapped.set(property, wrapper);
      return wrapper;
    },
  });
}

export function toPortError(error: unknown): unknown {
  if (error instanceof StoreUnavailable || !unreachable(error)) return error;
  return new StoreUnavailable(`the Kafka cluster did not answer: ${(error as Error).message}`, { cause: error });
}

/** True when the error, its cause or one of its aggregated errors says the cluster could not be reached. */
function unreachable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && unreachableCodes.has(code)) return true;
  if (Array.isArray(errors) && errors.some((inner) => unreachable(inner, depth + 1))) return true;
  return unreachable(cause, depth + 1);
}
