import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
/**
 * The worker's code. onnxruntime-node runs a session synchronously on the calling thread, so the
 * session lives in a worker thread: the JavaScript thread decodes, letterboxes and tracks the next
 * frame meanwhile. Plain CommonJS evaluated as a string, so that it runs the same from the
 * TypeScript sources (tests, tsx) and from the build. Buffers travel by transfer, never copied:
 * the input goes to the worker and comes back with the output.
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.onnxruntime);
let session;
const metadata = (names, meta) => names.map((name, i) => ({ name, ...meta[i] }));
parentPort.on('message', async (m) => {
  if (m.type === 'load') {
    try {
      session = await ort.InferenceSession.create(new Uint8Array(m.model), m.options);
      parentPort.postMessage({ inputs: metadata(session.inputNames, session.inputMetadata), outputs: metadata(session.outputNames, session.outputMetadata) });
    } catch (err) {
      parentPort.postMessage({ error: String(err && err.message || err) });
    }
    return;
  }
  try {
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', new Float32Array(m.input), m.dims) };
    const output = (await session.run(feeds))[session.outputNames[0]].data;
    parentPort.postMessage({ id: m.id, input: m.input, output }, [m.input, output.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: m.id, input: m.input, error: String(err && err.message || err) }, [m.input]);
  }
});
`;
/** One onnxruntime session on its own thread; runs are executed in the order they are asked for. */
export class InferenceWorker {
    worker;
    inputs;
    outputs;
    pending = new Map();
    nextId = 0;
    failure;
    constructor(worker, inputs, outputs) {
        this.worker = worker;
        this.inputs = inputs;
        this.outputs = outputs;
        worker.on('message', (reply) => this.settle(reply));
        worker.on('error', (err) => this.fail(new Error(`inference worker failed: ${err.message}`)));
        worker.on('exit', (code) => this.fail(new Error(`inference worker exited (${code})`)));
    }
    /** Creates the session from the model's bytes; rejects with onnxruntime's message if it cannot. */
    static async start(model, options) {
        const onnxruntime = createRequire(import.meta.url).resolve('onnxruntime-node');
        const worker = new Worker(SOURCE, { eval: true, workerData: { onnxruntime } });
        const loaded = await new Promise((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
            worker.postMessage({ type: 'load', model, options });
        }).catch((err) => ({ error: err.message }));
        if (loaded.error !== undefined || !loaded.inputs || !loaded.outputs) {
            await worker.terminate();
            throw new Error(loaded.error ?? 'no session');
        }
        worker.unref(); // only runs in flight keep the process alive
        return new InferenceWorker(worker, loaded.inputs, loaded.outputs);
    }
    /** Runs the model on `input` (float32, transferred: detached until the promise settles, then handed back). */
    run(input, dims) {
        if (this.failure)
            return Promise.reject(this.failure);
        const id = this.nextId++;
        if (this.pending.size === 0)
            this.worker.ref();
        return new Promise((resolve, reject) => {
            this.pending.set(id, { resolve, reject });
            this.worker.postMessage({ type: 'run', id, input, dims }, [input]);
        });
    }
    async close() {
        this.failure ??= new Error('inference worker closed');
        await this.worker.terminate();
    }
    settle(reply) {
        const waiter = this.pending.get(reply.id);
        if (!waiter)
            return;
        this.pending.delete(reply.id);
        if (this.pending.size === 0)
            this.worker.unref();
        if (reply.output)
            waiter.resolve({ input: reply.input, output: reply.output });
        else
            waiter.reject(new Error(`inference failed: ${reply.error}`));
    }
    fail(error) {
        this.failure ??= error;
        for (const waiter of this.pending.values())
            waiter.reject(this.failure);
        this.pending.clear();
    }
}
//# sourceMappingURL=inference-worker.js.map