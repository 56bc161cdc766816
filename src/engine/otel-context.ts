/**
 * OpenTelemetry's context for the worker's activities, kept by Node's AsyncLocalStorage: what
 * @opentelemetry/context-async-hooks's AsyncLocalStorageContextManager does, in its few lines,
 * because that package is not among the dependencies (replace this with it once it is). Without
 * a context manager `context.with()` does nothing, and an activity's span loses the workflow's
 * span that the interceptor extracted from its header: it starts a trace of its own.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

export class AsyncLocalContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(context, () => fn.call(thisArg, ...args));
  }
  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as (...a: unknown[]) => unknown;
    return ((...a: unknown[]) => this.with(context, fn, undefined, ...a)) as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}
