import 'server-only';
import { clientAddress, TrustedProxies } from '@dialogstack/runtime';
import { AsyncLocalStorage } from 'node:async_hooks';
import { IncomingMessage, Server } from 'node:http';

/**
 * The client address of the request being handled, for rate limits and logs.
 *
 * Next.js hands pages, actions and the proxy only the request's headers, and it fills
 * `X-Forwarded-For` from the socket only when the client did not send one: a client could
 * name any address. So the address is worked out where the socket is still at hand, when the
 * HTTP server emits a request, and carried along with it (AsyncLocalStorage). The store lives
 * on globalThis: instrumentation, the proxy and server actions are separate bundles.
 */
const STORE = Symbol.for('dialogstack.frontend.client-address');
const INSTALLED = Symbol.for('dialogstack.frontend.client-address.installed');

type Global = typeof globalThis & { [STORE]?: AsyncLocalStorage<string>; [INSTALLED]?: boolean };

function store(): AsyncLocalStorage<string> {
  const g = globalThis as Global;
  return (g[STORE] ??= new AsyncLocalStorage<string>());
}

/** Starts resolving each request's client address (once per process; see instrumentation.ts). */
export function trackClientAddresses(trusted: TrustedProxies): void {
  const g = globalThis as Global;
  if (g[INSTALLED]) return;
  g[INSTALLED] = true;
  const emit = Server.prototype.emit;
  Server.prototype.emit = function emitWithClientAddress(this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'request') return Reflect.apply(emit, this, [event, ...args]) as boolean;
    const req = args[0] as IncomingMessage;
    const address = clientAddress(req.socket?.remoteAddress, req.headers['x-forwarded-for'], trusted);
    return runWithClientAddress(address, () => Reflect.apply(emit, this, [event, ...args]) as boolean);
  };
}

/** Runs `fn` (and everything it starts) as the handling of a request from `address`. */
export function runWithClientAddress<T>(address: string, fn: () => T): T {
  return store().run(address, fn);
}

/** The client address of the current request; `unknown` before tracking started (the first requests after start-up). */
export function currentClientAddress(): string {
  return store().getStore() ?? 'unknown';
}
