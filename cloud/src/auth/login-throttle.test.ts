import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { racingConnection } from '../../../test-support/second-connection.js';
import { LoginThrottle } from './login-throttle.js';

const MINUTE = 60_000;

/** A throttle on the test's database and a clock the test moves. */
function throttleAt(db: TestDatabase, start = 1_000_000) {
  let now = start;
  const clock = { now: () => now };
  const throttle = new LoginThrottle(db, clock);
  return { throttle, clock, advance: (ms: number) => (now += ms) };
}

const failTimes = async (throttle: LoginThrottle, client: string, username: string, times: number) => {
  const results = [];
  for (let i = 0; i < times; i++) results.push(await throttle.failed(client, username));
  return results;
};

/** Two throttles on one clock as two cloud processes have them: one on `db`, one on a second connection to it (closed after). */
async function inTwoProcesses(db: TestDatabase, run: (here: LoginThrottle, there: LoginThrottle) => Promise<void>): Promise<void> {
  const other = racingConnection(db);
  try {
    const clock = { now: () => 1_000_000 };
    await run(new LoginThrottle(db, clock), new LoginThrottle(other, clock));
  } finally {
    await other.close();
  }
}

forEachDatabase('LoginThrottle', (get) => {
  it('locks an account only for the address that guessed: another address still gets in', async () => {
    const { throttle } = throttleAt(get());
    const results = await failTimes(throttle, '127.0.0.2', 'admin', 5);
    expect(results.map((r) => r.lockedForMs)).toEqual([0, 0, 0, 0, 5 * MINUTE]);
    expect(await throttle.check('127.0.0.2', 'admin')).toEqual({ allowed: false, reason: 'account_locked', retryAfterMs: 5 * MINUTE });
    expect(await throttle.check('127.0.0.1', 'admin')).toEqual({ allowed: true });
    // the real person logging in does not lift the guesser's lock
    await throttle.succeeded('127.0.0.1', 'ADMIN');
    expect((await throttle.check('127.0.0.2', 'admin')).allowed).toBe(false);
  });

  it('makes the guessing address wait longer after each further wrong password, up to an hour', async () => {
    const { throttle, advance } = throttleAt(get());
    await failTimes(throttle, '127.0.0.2', 'admin', 5);
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const verdict = await throttle.check('127.0.0.2', 'admin');
      if (verdict.allowed) throw new Error('expected a lock');
      advance(verdict.retryAfterMs);
      expect((await throttle.check('127.0.0.2', 'admin')).allowed).toBe(true);
      waits.push((await throttle.failed('127.0.0.2', 'admin')).lockedForMs / MINUTE);
    }
    expect(waits).toEqual([10, 20, 40, 60, 60, 60, 60]);
  });

  it('forgets an address’s wrong passwords a day after the last one, and at once after its own success', async () => {
    const { throttle, advance } = throttleAt(get());
    await failTimes(throttle, '10.0.0.5', 'operator-1', 4);
    await throttle.succeeded('10.0.0.5', 'operator-1');
    expect((await failTimes(throttle, '10.0.0.5', 'operator-1', 4)).map((r) => r.lockedForMs)).toEqual([0, 0, 0, 0]);
    advance(24 * 60 * MINUTE + 1);
    expect((await failTimes(throttle, '10.0.0.5', 'operator-1', 4)).map((r) => r.lockedForMs)).toEqual([0, 0, 0, 0]);
  });

  it('still slows an address that fails too often, whichever names it tries', async () => {
    const { throttle } = throttleAt(get());
    for (let i = 0; i < 20; i++) await throttle.failed('127.0.0.9', `guess-${i}`);
    expect(await throttle.check('127.0.0.9', 'someone-else')).toEqual({ allowed: true });
    await throttle.failed('127.0.0.9', 'guess-20');
    expect(await throttle.check('127.0.0.9', 'someone-else')).toEqual({ allowed: false, reason: 'client_rate', retryAfterMs: 6000 });
    expect(await throttle.check('127.0.0.1', 'someone-else')).toEqual({ allowed: true });
  });

  it('gives a slowed address one more failed login per six seconds, as its bucket refills', async () => {
    const { throttle, advance } = throttleAt(get());
    for (let i = 0; i < 21; i++) await throttle.failed('127.0.0.9', `guess-${i}`);
    advance(6000);
    expect((await throttle.check('127.0.0.9', 'x')).allowed).toBe(true);
    await throttle.failed('127.0.0.9', 'x'); // the one token refilled
    expect((await throttle.check('127.0.0.9', 'x')).allowed).toBe(true);
    await throttle.failed('127.0.0.9', 'y'); // none left: blocked again
    expect(await throttle.check('127.0.0.9', 'z')).toMatchObject({ allowed: false, reason: 'client_rate' });
  });

  it('reports an account being guessed once per window: when an address gets locked out, or failures come from three addresses', async () => {
    const { throttle, advance } = throttleAt(get());
    const lockout = (await failTimes(throttle, '127.0.0.2', 'admin', 5)).map((r) => r.guessing);
    expect(lockout.slice(0, 4)).toEqual([null, null, null, null]);
    expect(lockout[4]).toEqual({ trigger: 'lockout', addresses: 1, failures: 5 });
    // reported once: more failures from elsewhere in the same window say nothing new
    expect((await throttle.failed('127.0.0.3', 'admin')).guessing).toBeNull();

    const spread = [];
    for (const client of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) spread.push((await throttle.failed(client, 'police-1')).guessing);
    expect(spread).toEqual([null, null, { trigger: 'addresses', addresses: 3, failures: 3 }]);

    advance(16 * MINUTE);
    expect((await throttle.failed('10.0.0.4', 'police-1')).guessing).toBeNull();
    expect((await throttle.failed('10.0.0.5', 'police-1')).guessing).toBeNull();
    expect((await throttle.failed('10.0.0.6', 'police-1')).guessing).toEqual({ trigger: 'addresses', addresses: 3, failures: 3 });
  });

  it('counts racing wrong passwords from two processes once each: one gets the first lock, one the doubled one, and exactly one reports', async () => {
    await inTwoProcesses(get(), async (here, there) => {
      await failTimes(here, '127.0.0.2', 'admin', 3);
      // the 4th and 5th wrong passwords arrive at two processes at once
      const raced = await Promise.all([here.failed('127.0.0.2', 'admin'), there.failed('127.0.0.2', 'admin')]);
      expect(raced.map((r) => r.lockedForMs).sort()).toEqual([0, 5 * MINUTE]);
      // the 6th and 7th: each lock a doubling of the one before, none lost
      const again = await Promise.all([here.failed('127.0.0.2', 'admin'), there.failed('127.0.0.2', 'admin')]);
      expect(again.map((r) => r.lockedForMs).sort((a, b) => a - b)).toEqual([10 * MINUTE, 20 * MINUTE]);
      expect([...raced, ...again].filter((r) => r.guessing !== null)).toHaveLength(1);
      expect(await there.check('127.0.0.2', 'admin')).toEqual({ allowed: false, reason: 'account_locked', retryAfterMs: 20 * MINUTE });
    });
  });

  it('lets exactly one of two processes take an address’s last failed login before the block', async () => {
    await inTwoProcesses(get(), async (here, there) => {
      for (let i = 0; i < 19; i++) await here.failed('127.0.0.9', `guess-${i}`);
      await Promise.all([here.failed('127.0.0.9', 'a'), there.failed('127.0.0.9', 'b')]);
      // 21 failures: the 20th was the last the bucket held, the 21st blocks the address, whichever process had it
      expect(await here.check('127.0.0.9', 'c')).toMatchObject({ allowed: false, reason: 'client_rate' });
    });
  });

  it('purges only rows that hold nothing back any more', async () => {
    const db = get();
    const { throttle, advance } = throttleAt(db);
    await failTimes(throttle, '127.0.0.2', 'admin', 5);
    await throttle.failed('127.0.0.3', 'someone');
    advance(2 * 60 * MINUTE); // the lock (5 min), the bucket and the guessing window are over; the pairs are remembered a day
    await throttle.purge();
    const count = async (table: 'login_clients' | 'login_pairs' | 'login_accounts' | 'login_account_addresses') =>
      Number((await db.db.selectFrom(table).select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    expect([await count('login_clients'), await count('login_pairs'), await count('login_accounts'), await count('login_account_addresses')]).toEqual([0, 2, 0, 0]);
    // the remembered pair still counts: one more wrong password locks again
    expect((await throttle.failed('127.0.0.2', 'admin')).lockedForMs).toBe(10 * MINUTE);
    advance(25 * 60 * MINUTE);
    await throttle.purge();
    expect(await count('login_pairs')).toBe(0);
  });
});
