import { describe, expect, it } from 'vitest';
import { addressedToLoopback, hostOfHeader } from './host-header.js';

describe('the Host header check (DNS rebinding)', () => {
  it('takes the name without its port', () => {
    expect(hostOfHeader('127.0.0.1:7070')).toBe('127.0.0.1');
    expect(hostOfHeader('[::1]:7070')).toBe('[::1]');
    expect(hostOfHeader('localhost')).toBe('localhost');
  });

  it('accepts loopback literals and localhost, any port', () => {
    for (const host of ['127.0.0.1', '127.0.0.1:1', '127.1.2.3:65535', '[::1]', '[::1]:80', 'localhost:7070', 'LOCALHOST']) {
      expect(addressedToLoopback(host), host).toBe(true);
    }
  });

  it('refuses any other name, a missing header, and anything malformed', () => {
    for (const host of [
      undefined,
      '',
      'evil.example',
      'evil.example:7070',
      '127.0.0.1.evil.example',
      'localhost.evil.example',
      '10.0.0.1',
      '[::2]',
      'a@127.0.0.1',
      '127.0.0.1:7070:1',
      '127.0.0.1/x',
      ' 127.0.0.1',
      'x'.repeat(300),
    ]) {
      expect(addressedToLoopback(host), String(host)).toBe(false);
    }
  });
});
