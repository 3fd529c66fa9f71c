import { createLogger, LogLevel } from '@dialogstack/runtime';
import { NestLogger } from '../src/logging/nest-logger';

function capture(level: LogLevel) {
  const lines: string[] = [];
  const nest = new NestLogger(createLogger('api', { level, write: (line) => lines.push(line) }));
  return { nest, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

// @nestjs/common is ESM-only, beyond jest's require: Nest's own calls are covered by the api
// process tests (every output line parses as JSON); here, the calls Nest makes, by hand.
describe('NestLogger', () => {
  it("writes Nest's messages in the api's shape, with Nest's context as a field", () => {
    const { nest, entries } = capture('debug');
    nest.log('Mapped {/api/v1/stats, GET} route', 'RouterExplorer');
    nest.warn('slow');
    nest.verbose('details', 'InstanceLoader');
    nest.fatal('cannot go on', 'Main');
    expect(entries()).toEqual([
      expect.objectContaining({ level: 'info', service: 'api', msg: 'Mapped {/api/v1/stats, GET} route', context: 'RouterExplorer' }),
      expect.objectContaining({ level: 'warn', service: 'api', msg: 'slow' }),
      expect.objectContaining({ level: 'debug', msg: 'details', context: 'InstanceLoader' }),
      expect.objectContaining({ level: 'error', msg: 'cannot go on', context: 'Main' }),
    ]);
    expect(Object.keys(entries()[0])).toEqual(['time', 'level', 'service', 'msg', 'context']);
  });

  it("applies the logger's level to Nest's messages", () => {
    const { nest, entries } = capture('warn');
    nest.log('routine');
    nest.debug('noise');
    nest.error('bad');
    expect(entries().map((e) => e.msg)).toEqual(['bad']);
  });

  it('summarizes errors Nest reports, as an Error or as message and stack, by the stack-trace policy', () => {
    const err = Object.assign(new Error('boom'), { query: 'SELECT secret' });
    const info = capture('info');
    info.nest.error(err, 'ExceptionsHandler');
    info.nest.error('request failed', err.stack, 'ExceptionsHandler');
    expect(info.entries().map((e) => [e.msg, e.context, e.err])).toEqual([
      ['boom', 'ExceptionsHandler', { name: 'Error', message: 'boom' }],
      ['request failed', 'ExceptionsHandler', { name: 'Error', message: 'request failed' }],
    ]);
    const debug = capture('debug');
    debug.nest.error('request failed', err.stack, 'ExceptionsHandler');
    expect((debug.entries()[0].err as { stack: string[] }).stack[0]).toMatch(/^at /);
  });
});
