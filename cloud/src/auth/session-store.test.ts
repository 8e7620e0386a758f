import { expect, it } from 'vitest';
import { forEachDatabase } from '../../../test-support/databases.js';
import { UserStore } from '../users/user-store.js';
import { SessionStore } from './session-store.js';

const HOUR = 3600_000;

forEachDatabase('session store', (get) => {
  const people = async () => {
    const users = new UserStore(get());
    const thu = await users.create({ username: 'thu', role: 'operator', password: 'password-of-thu', mustChangePassword: false });
    const lan = await users.create({ username: 'lan', role: 'viewer', password: 'password-of-lan', mustChangePassword: false });
    return { users, thu, lan, sessions: new SessionStore(get(), HOUR) };
  };

  it('resolves a token to its person until it expires; an unknown token to no one', async () => {
    const { thu, sessions } = await people();
    const before = Date.now();
    const session = await sessions.create(thu.id);
    expect(session.token).not.toHaveLength(0);
    expect(session.expiresAt).toBeGreaterThanOrEqual(before + HOUR);
    expect(await sessions.resolve(session.token)).toEqual(thu);
    expect(await sessions.resolve('not-a-token')).toBeNull();
    // the token is stored only as its hash
    const stored = await get().db.selectFrom('sessions').select('token_hash').execute();
    expect(stored.map((s) => s.token_hash)).not.toContain(session.token);
    expect(await sessions.resolve(session.token, session.expiresAt - 1)).not.toBeNull();
    expect(await sessions.resolve(session.token, session.expiresAt)).toBeNull();
    // purging removes only expired ones
    const other = await sessions.create(thu.id);
    expect(await sessions.purgeExpired(session.expiresAt - 1)).toBe(0);
    expect(await sessions.purgeExpired(other.expiresAt)).toBe(2);
    expect(await sessions.resolve(other.token)).toBeNull();
  });

  it("answers no one for a disabled person's token, and the person's current self otherwise", async () => {
    const { users, thu, sessions } = await people();
    const session = await sessions.create(thu.id);
    await users.update(thu.id, { role: 'technician' });
    expect(await sessions.resolve(session.token)).toMatchObject({ id: thu.id, role: 'technician' });
    await users.update(thu.id, { disabled: true });
    expect(await sessions.resolve(session.token)).toBeNull();
  });

  it('revokes one session, all of a person, or all but the one in use', async () => {
    const { users, thu, lan, sessions } = await people();
    const [a, b, c] = [await sessions.create(thu.id), await sessions.create(thu.id), await sessions.create(thu.id)];
    const lans = await sessions.create(lan.id);
    await sessions.revoke(a.token);
    expect(await sessions.resolve(a.token)).toBeNull();
    expect(await sessions.resolve(b.token)).not.toBeNull();
    expect(await sessions.revokeOthers(thu.id, c.token)).toBe(1);
    expect(await sessions.resolve(b.token)).toBeNull();
    expect(await sessions.resolve(c.token)).not.toBeNull();
    expect(await sessions.revokeOthers(thu.id, null)).toBe(1);
    expect(await sessions.resolve(c.token)).toBeNull();
    const d = await sessions.create(thu.id);
    await sessions.revokeAllFor(thu.id);
    expect(await sessions.resolve(d.token)).toBeNull();
    expect(await sessions.resolve(lans.token)).toMatchObject({ username: 'lan' });
    // deleting the person ends their sessions (the foreign key cascades)
    await users.delete(lan.id);
    expect(await sessions.resolve(lans.token)).toBeNull();
  });
});
