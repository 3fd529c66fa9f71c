import { ConfigError, Env, EnvRule, readEnv } from '@dialogstack/runtime';

/** The problems readEnv reports for `env`, in order. */
function problems(read: () => unknown): readonly string[] {
  try {
    read();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const spec = {
  TOKEN: Env.string({ required: true, secret: true, minLength: 8, description: 'the token from the provider' }),
  PORT: Env.int({ default: 8080, min: 0, max: 65535 }),
  RATIO: Env.number({ default: 0.5, min: 0, max: 1 }),
  VERBOSE: Env.boolean(),
  LEVEL: Env.oneOf(['debug', 'info'], { default: 'info' }),
  BASE_URL: Env.url({ stripTrailingSlash: true }),
  ORIGINS: Env.list(),
};

describe('readEnv', () => {
  it('returns typed values and applies defaults', () => {
    expect(readEnv(spec, { TOKEN: 'secret-token' })).toEqual({
      TOKEN: 'secret-token',
      PORT: 8080,
      RATIO: 0.5,
      VERBOSE: undefined,
      LEVEL: 'info',
      BASE_URL: undefined,
      ORIGINS: undefined,
    });
  });

  it('parses each kind, trimming values', () => {
    expect(readEnv(spec, {
      TOKEN: '  secret-token  ',
      PORT: '0',
      RATIO: '1',
      VERBOSE: 'TRUE',
      LEVEL: 'debug',
      BASE_URL: 'https://example.com/v1//',
      ORIGINS: ' https://a.example, ,https://b.example ,',
    })).toEqual({
      TOKEN: 'secret-token',
      PORT: 0,
      RATIO: 1,
      VERBOSE: true,
      LEVEL: 'debug',
      BASE_URL: 'https://example.com/v1',
      ORIGINS: ['https://a.example', 'https://b.example'],
    });
  });

  it('treats blank as unset', () => {
    expect(problems(() => readEnv(spec, { TOKEN: '   ' }))).toEqual(['TOKEN is required (the token from the provider)']);
    expect(readEnv(spec, { TOKEN: 'secret-token', PORT: '', VERBOSE: ' ' })).toMatchObject({ PORT: 8080, VERBOSE: undefined });
  });

  it('reports every problem at once, in spec order, in one error', () => {
    const env = { PORT: '65536', RATIO: 'half', VERBOSE: 'yes', LEVEL: 'loud', BASE_URL: 'ftp://example.com', ORIGINS: 'a,b' };
    let error: unknown;
    try { readEnv(spec, env); } catch (err) { error = err; }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems: found, message } = error as ConfigError;
    expect(found).toEqual([
      'TOKEN is required (the token from the provider)',
      'PORT must be an integer from 0 to 65535 (got "65536")',
      'RATIO must be a number from 0 to 1 (got "half")',
      'VERBOSE must be true or false (got "yes")',
      'LEVEL must be one of debug, info (got "loud")',
      'BASE_URL must be an http(s) URL (got "ftp://example.com")',
    ]);
    expect(message).toBe(`invalid configuration: ${found.join('; ')}`);
  });

  it('checks ranges at their bounds and rejects fractions and junk as integers', () => {
    const ranged = { N: Env.int({ min: 1, max: 3 }), LOW: Env.int({ min: 1 }), HIGH: Env.number({ max: 2 }) };
    expect(readEnv(ranged, { N: '3', LOW: '99999', HIGH: '-7.5' })).toEqual({ N: 3, LOW: 99999, HIGH: -7.5 });
    expect(problems(() => readEnv(ranged, { N: '1.5', LOW: '0', HIGH: '2.01' }))).toEqual([
      'N must be an integer from 1 to 3 (got "1.5")',
      'LOW must be an integer of at least 1 (got "0")',
      'HIGH must be a number of at most 2 (got "2.01")',
    ]);
    expect(problems(() => readEnv(ranged, { N: '0x2' }))).toEqual(['N must be an integer from 1 to 3 (got "0x2")']);
  });

  it('never puts a secret value into a problem', () => {
    const secrets = {
      SHORT: Env.string({ secret: true, minLength: 32 }),
      NUMBER: Env.int({ secret: true }),
      CHECKED: Env.string({ secret: true, check: (v) => (v.startsWith('sk-') ? undefined : 'must start with sk-') }),
    };
    const found = problems(() => readEnv(secrets, { SHORT: 'hunter2-short', NUMBER: 'hunter2-number', CHECKED: 'hunter2-checked' }));
    expect(found).toEqual(['SHORT must be at least 32 characters', 'NUMBER must be an integer', 'CHECKED must start with sk-']);
    expect(found.join(' ')).not.toContain('hunter2');
  });

  it('runs custom checks on parsed values only', () => {
    const checked = { EVEN: Env.int({ default: 3, check: (n) => (n % 2 === 0 ? undefined : 'must be even') }) };
    expect(readEnv(checked, {}).EVEN).toBe(3); // a default is trusted
    expect(readEnv(checked, { EVEN: '4' }).EVEN).toBe(4);
    expect(problems(() => readEnv(checked, { EVEN: '5' }))).toEqual(['EVEN must be even']);
    expect(problems(() => readEnv(checked, { EVEN: 'five' }))).toEqual(['EVEN must be an integer (got "five")']);
  });

  describe('rules between variables', () => {
    const pair = { URL: Env.url(), SECRET: Env.string({ secret: true, check: (v) => (/^\w+$/.test(v) ? undefined : 'must be a word') }) };
    const rules: EnvRule<typeof pair>[] = [{
      variables: ['URL', 'SECRET'],
      check: (env) => (env.URL !== undefined && env.SECRET === undefined ? 'SECRET is required when URL is set' : undefined),
    }];

    it('report their problem together with every variable problem', () => {
      const withOther = { ...pair, PORT: Env.int() };
      expect(problems(() => readEnv(withOther, { URL: 'https://example.com', PORT: 'x' }, rules))).toEqual([
        'PORT must be an integer (got "x")',
        'SECRET is required when URL is set',
      ]);
      expect(readEnv(pair, { URL: 'https://example.com', SECRET: 'word' }, rules)).toEqual({ URL: 'https://example.com', SECRET: 'word' });
    });

    it('are skipped when one of their variables is already reported', () => {
      expect(problems(() => readEnv(pair, { URL: 'https://example.com', SECRET: 'two words' }, rules))).toEqual(['SECRET must be a word']);
    });
  });

  it('reads process.env by default', () => {
    process.env.READ_ENV_TEST_PORT = '1234';
    try {
      expect(readEnv({ READ_ENV_TEST_PORT: Env.int() })).toEqual({ READ_ENV_TEST_PORT: 1234 });
    } finally {
      delete process.env.READ_ENV_TEST_PORT;
    }
  });
});
