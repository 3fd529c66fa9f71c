import { runInNewContext } from 'node:vm';
import { createLogger, LogLevel } from '@dialogstack/runtime';

/** A logger at `level` and the entries it wrote, parsed. */
function capture(level: LogLevel) {
  const lines: string[] = [];
  const log = createLogger('svc', { level, write: (line) => lines.push(line) });
  return { log, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** An error as a database driver makes it: a code, and internals nobody should log. */
function driverError(): Error {
  return Object.assign(new Error('terminating connection due to administrator command'), {
    code: '57P01',
    query: 'SELECT * FROM users WHERE token = $1',
    parameters: ['user-secret'],
    client: { connectionString: 'postgres://app:db-password@db:5432/app' },
  });
}

describe('createLogger', () => {
  it('writes one JSON line: time (ISO UTC), level, service, msg, then the fields', () => {
    const { log, lines, entries } = capture('info');
    log.info('listening', { port: 8080, mode: 'polling' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(Object.keys(entries()[0])).toEqual(['time', 'level', 'service', 'msg', 'port', 'mode']);
    expect(entries()[0]).toMatchObject({ level: 'info', service: 'svc', msg: 'listening', port: 8080, mode: 'polling' });
    expect(entries()[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes to stdout by default, a line each', () => {
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      createLogger('svc', { level: 'info' }).warn('careful');
      expect(stdout).toHaveBeenCalledTimes(1);
      expect(String(stdout.mock.calls[0][0])).toMatch(/^\{"time":".*","level":"warn","service":"svc","msg":"careful"\}\n$/);
    } finally {
      stdout.mockRestore();
    }
  });

  it('writes its level and the more severe ones only', () => {
    const { log, entries } = capture('warn');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(entries().map((e) => e.level)).toEqual(['warn', 'error']);
    const verbose = capture('debug');
    verbose.log.debug('d');
    expect(verbose.entries().map((e) => e.level)).toEqual(['debug']);
  });

  it('keeps the envelope: fields cannot replace time, level, service or msg', () => {
    const { log, entries } = capture('info');
    log.info('real', { msg: 'fake', level: 'debug', service: 'other', time: 'never', extra: 1, missing: undefined });
    expect(entries()[0]).toMatchObject({ level: 'info', service: 'svc', msg: 'real', extra: 1 });
    expect(entries()[0]).not.toHaveProperty('missing');
    expect(entries()[0].time).not.toBe('never');
  });

  it('adds the fields of a child logger to each of its entries', () => {
    const { log, entries } = capture('info');
    const child = log.child({ context: 'Database' });
    child.info('connected', { pool: 10 });
    child.child({ attempt: 2 }).warn('retrying');
    log.info('plain');
    expect(entries()).toEqual([
      expect.objectContaining({ msg: 'connected', context: 'Database', pool: 10 }),
      expect.objectContaining({ msg: 'retrying', context: 'Database', attempt: 2 }),
      expect.not.objectContaining({ context: expect.anything() }),
    ]);
  });

  describe('errors', () => {
    it('reduces err to name, message and code: no driver internals, no stack above debug', () => {
      const { log, lines, entries } = capture('info');
      log.error('query failed', { err: driverError() });
      expect(entries()[0].err).toEqual({ name: 'Error', message: 'terminating connection due to administrator command', code: '57P01' });
      expect(lines[0]).not.toMatch(/user-secret|db-password|SELECT/);
    });

    it('adds the call frames, and only them, at debug', () => {
      const { log, lines, entries } = capture('debug');
      log.error('query failed', { err: driverError() });
      const err = entries()[0].err as { stack: string[] };
      expect(err).toMatchObject({ name: 'Error', code: '57P01' });
      expect(err.stack.length).toBeGreaterThan(0);
      for (const frame of err.stack) expect(frame).toMatch(/^at /);
      expect(lines[0]).not.toMatch(/user-secret|db-password|SELECT/);
    });

    it('reduces an error under any name, errors from another realm and non-errors given as err', () => {
      const { log, entries } = capture('info');
      log.warn('a', { cause: new TypeError('bad type') });
      log.warn('b', { err: runInNewContext('Object.assign(new RangeError("elsewhere"), { code: "ERANGE", secret: "x" })') });
      log.warn('c', { err: 'a thrown string' });
      expect(entries().map((e) => e.cause ?? e.err)).toEqual([
        { name: 'TypeError', message: 'bad type' },
        { name: 'RangeError', message: 'elsewhere', code: 'ERANGE' },
        'a thrown string',
      ]);
    });
  });
});
