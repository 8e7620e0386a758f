import { OUTBOX_CHUNK, type OutboxWriter } from './channel.js';
import type { OutboxStore } from './outbox.js';

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The writer channels get: stores and wakes the dispatcher. */
export function outboxWriter(store: OutboxStore, wake: () => void): OutboxWriter {
  return {
    async enqueue(messages) {
      const added = await store.enqueue(messages);
      if (added > 0) wake();
      return added;
    },
    async enqueueMany(messages) {
      let added = 0;
      for (let from = 0; from < messages.length; from += OUTBOX_CHUNK) {
        if (from > 0) await yieldToEventLoop();
        const chunk = await store.enqueue(messages.slice(from, from + OUTBOX_CHUNK));
        added += chunk;
        // the dispatcher starts on the first chunk while the rest is stored
        if (chunk > 0) wake();
      }
      return added;
    },
  };
}
