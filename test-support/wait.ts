/**
 * Polls until the check returns a truthy value; fails with the message after the timeout.
 * The default allows for CI's two shared cores running the whole suite, where starting a process takes seconds.
 */
export async function waitFor<T>(check: () => T | Promise<T>, message: string, timeoutMs = 20_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${message} (last value: ${JSON.stringify(last)})`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
