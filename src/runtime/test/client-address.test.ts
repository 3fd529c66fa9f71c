import { clientAddress, TrustedProxies } from '../src/client-address';

describe('clientAddress', () => {
  const none = new TrustedProxies([]);
  const proxy = new TrustedProxies(['172.18.0.0/16', '10.0.0.7', 'fd00::/8']);

  it('is the connection\'s address when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', none)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:203.0.113.9', undefined, none)).toBe('203.0.113.9');
    expect(clientAddress(undefined, undefined, none)).toBe('unknown');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(clientAddress('203.0.113.9', '1.2.3.4', proxy)).toBe('203.0.113.9');
  });

  it('reads the chain from the right behind trusted proxies: the first untrusted hop is the client', () => {
    expect(clientAddress('172.18.0.5', '198.51.100.1', proxy)).toBe('198.51.100.1');
    // The client wrote 6.6.6.6 itself; the proxy appended the address it really saw.
    expect(clientAddress('172.18.0.5', '6.6.6.6, 198.51.100.1', proxy)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.7', ['6.6.6.6, 198.51.100.1', '172.18.0.9'], proxy)).toBe('198.51.100.1');
    expect(clientAddress('fd00::1', '2001:db8::5', proxy)).toBe('2001:db8::5');
  });

  it('stops at garbage in the chain, and falls back to the proxy when the header is missing', () => {
    expect(clientAddress('172.18.0.5', 'not-an-ip, 172.18.0.6', proxy)).toBe('172.18.0.6');
    expect(clientAddress('172.18.0.5', undefined, proxy)).toBe('172.18.0.5');
  });

  it('refuses entries that are not addresses or CIDR blocks', () => {
    expect(TrustedProxies.problem('172.18.0.0/16')).toBeUndefined();
    expect(TrustedProxies.problem('::1')).toBeUndefined();
    for (const bad of ['proxy', '10.0.0.0/33', '10.0.0.0/8/1', '10.0.0.0/x', '']) expect(TrustedProxies.problem(bad)).toMatch(/is not an IP address or a CIDR block/);
    expect(() => new TrustedProxies(['nope'])).toThrow(/'nope' is not an IP address/);
  });
});
