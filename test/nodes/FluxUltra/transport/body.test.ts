import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { describe, expect, it } from 'vitest';

import { chunksUntil, type ByteStream } from '../../../../nodes/FluxUltra/transport/body';

// A full collection on demand, without starting the worker with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function collect(): Promise<void> {
	// WeakRefs read in this turn stay alive until it ends: collect in fresh turns.
	for (let i = 0; i < 3; i++) {
		await new Promise((r) => setImmediate(r));
		gc();
	}
}

describe('chunksUntil (a streamed body read against its request’s limit)', () => {
	it('keeps no chunk it has handed on: a 4k PNG streams through with flat memory, not whole', async () => {
		// Found by the bench (FLUX 3 4k, issue 29): every chunk of a download stayed reachable until
		// its end, because each read was raced against one abort promise that lives as long as the
		// download, and a Promise.race leaves its reaction (and so the chunk) on that promise.
		const CHUNKS = 24;
		let made = 0;
		const source = new Readable({
			read() {
				// Each chunk its own 256 KB allocation, as a socket's reads are.
				this.push(made++ < CHUNKS ? Buffer.alloc(256 * 1024, made) : null);
			},
		}) as unknown as ByteStream;
		const signal = new AbortController().signal;
		const handedOn: Array<WeakRef<Buffer>> = [];
		const reader = chunksUntil(source, signal);
		// Read all but the last chunks, then look while the download is still going.
		for (let n = 0; n < CHUNKS - 2; n++) {
			const { value, done } = await reader.next();
			expect(done).toBe(false);
			handedOn.push(new WeakRef(value as Buffer));
		}
		await collect();
		const alive = handedOn.filter((ref) => ref.deref() !== undefined).length;
		// The stream may hold the chunk it read ahead; nothing the reader passed on stays.
		expect(alive).toBeLessThanOrEqual(1);
		// …and the reader still works to the end.
		let rest = 0;
		for await (const chunk of reader) rest += chunk.length;
		expect(rest).toBe(2 * 256 * 1024);
	});

	it('still ends a read the stream never settles when the signal aborts', async () => {
		const stalled = new Readable({ read() {} }) as unknown as ByteStream;
		const controller = new AbortController();
		const reader = chunksUntil(stalled, controller.signal);
		const pending = reader.next();
		controller.abort(new Error('the job’s deadline'));
		await expect(pending).rejects.toThrow('the job’s deadline');
	});
});
