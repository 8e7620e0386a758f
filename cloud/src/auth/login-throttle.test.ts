import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.js';

const MINUTE = 60_000;

/** A throttle on a clock the test moves. */
function throttleAt(start = 1_000_000) {
  let now = start;
  const throttle = new LoginThrottle({ now: () => now });
  return { throttle, advance: (ms: number) => (now += ms) };
}

const failTimes = (throttle: LoginThrottle, client: string, username: string, times: number) => {
  const results = [];
  for (let i = 0; i < times; i++) results.push(throttle.failed(client, username));
  return results;
};

describe('LoginThrottle', () => {
  it('locks an account only for the address that guessed: another address still gets in', () => {
    const { throttle } = throttleAt();
    const results = failTimes(throttle, '127.0.0.2', 'admin', 5);
    expect(results.map((r) => r.lockedForMs)).toEqual([0, 0, 0, 0, 5 * MINUTE]);
    expect(throttle.check('127.0.0.2', 'admin')).toEqual({ allowed: false, reason: 'account_locked', retryAfterMs: 5 * MINUTE });
    expect(throttle.check('127.0.0.1', 'admin')).toEqual({ allowed: true });
    // the real person logging in does not lift the guesser's lock
    throttle.succeeded('127.0.0.1', 'ADMIN');
    expect(throttle.check('127.0.0.2', 'admin').allowed).toBe(false);
  });

  it('makes the guessing address wait longer after each further wrong password, up to an hour', () => {
    const { throttle, advance } = throttleAt();
    failTimes(throttle, '127.0.0.2', 'admin', 5);
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const verdict = throttle.check('127.0.0.2', 'admin');
      if (verdict.allowed) throw new Error('expected a lock');
      advance(verdict.retryAfterMs);
      expect(throttle.check('127.0.0.2', 'admin').allowed).toBe(true);
      waits.push(throttle.failed('127.0.0.2', 'admin').lockedForMs / MINUTE);
    }
    expect(waits).toEqual([10, 20, 40, 60, 60, 60, 60]);
  });

  it('forgets an address’s wrong passwords a day after the last one, and at once after its own success', () => {
    const { throttle, advance } = throttleAt();
    failTimes(throttle, '10.0.0.5', 'operator-1', 4);
    throttle.succeeded('10.0.0.5', 'operator-1');
    expect(failTimes(throttle, '10.0.0.5', 'operator-1', 4).map((r) => r.lockedForMs)).toEqual([0, 0, 0, 0]);
    advance(24 * 60 * MINUTE + 1);
    expect(failTimes(throttle, '10.0.0.5', 'operator-1', 4).map((r) => r.lockedForMs)).toEqual([0, 0, 0, 0]);
  });

  it('still slows an address that fails too often, whichever names it tries', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 20; i++) throttle.failed('127.0.0.9', `guess-${i}`);
    expect(throttle.check('127.0.0.9', 'someone-else')).toEqual({ allowed: true });
    throttle.failed('127.0.0.9', 'guess-20');
    expect(throttle.check('127.0.0.9', 'someone-else')).toMatchObject({ allowed: false, reason: 'client_rate' });
    expect(throttle.check('127.0.0.1', 'someone-else')).toEqual({ allowed: true });
  });

  it('reports an account being guessed once per window: when an address gets locked out, or failures come from three addresses', () => {
    const { throttle, advance } = throttleAt();
    const lockout = failTimes(throttle, '127.0.0.2', 'admin', 5).map((r) => r.guessing);
    expect(lockout.slice(0, 4)).toEqual([null, null, null, null]);
    expect(lockout[4]).toEqual({ trigger: 'lockout', addresses: 1, failures: 5 });
    // reported once: more failures from elsewhere in the same window say nothing new
    expect(throttle.failed('127.0.0.3', 'admin').guessing).toBeNull();

    const spread = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((client) => throttle.failed(client, 'police-1').guessing);
    expect(spread).toEqual([null, null, { trigger: 'addresses', addresses: 3, failures: 3 }]);

    advance(16 * MINUTE);
    expect(['10.0.0.4', '10.0.0.5'].map((client) => throttle.failed(client, 'police-1').guessing)).toEqual([null, null]);
    expect(throttle.failed('10.0.0.6', 'police-1').guessing).toEqual({ trigger: 'addresses', addresses: 3, failures: 3 });
  });
});
