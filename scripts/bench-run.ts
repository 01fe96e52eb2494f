/**
 * One benchmark variant in its own process, so its memory is its own: `tsx scripts/bench-run.ts
 * <variant> '<json>'` runs the jobs against the mock at `mockUrl` and prints one JSON line of
 * results. Variants: `node` (this package, compiled, through the harness with filesystem binary
 * data), `node-ai-label` (the same with Write AI Label and Include Prompt in AI Label on), `fal-client` (@fal-ai/client subscribe), `sequential-5s` (one job at a time, status every
 * 5 s: fal's own n8n node and the HTTP-Request-loop recipe), `node-flux3-4k` (this package, FLUX 3
 * Image at Resolution 4k on Black Forest Labs, one ~16 MP PNG of tens of MB per job, Max Image Size
 * left at the model's default: testkit/bench/flux3Server.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createFalClient } from '@fal-ai/client';
import type { ICredentialType, INodeType } from 'n8n-workflow';

import { createHarness } from '../testkit/harness/context';

interface Options {
	mockUrl: string;
	jobs: number;
	parallel: number;
	imagesPerJob: number;
	/** node-flux3-4k: the size of the PNG the mock serves, which every item must report. */
	fileBytes?: number;
}

const [variant, json] = process.argv.slice(2);
const options = JSON.parse(json) as Options;
const ENDPOINT = 'fal-ai/flux-pro/v1.1-ultra';
const input = (i: number) => ({
	prompt: `bench ${i}`,
	aspect_ratio: '1:1',
	num_images: options.imagesPerJob,
	output_format: 'png',
});

/** Samples memory while the run goes, for the peaks. */
function watchMemory() {
	const base = process.memoryUsage();
	const peak = { rss: base.rss, heap: base.heapUsed, buffers: base.arrayBuffers };
	const timer = setInterval(() => {
		const m = process.memoryUsage();
		peak.rss = Math.max(peak.rss, m.rss);
		peak.heap = Math.max(peak.heap, m.heapUsed);
		// Buffers live outside the V8 heap: a file held whole in memory shows here, not in heapUsed.
		peak.buffers = Math.max(peak.buffers, m.arrayBuffers);
	}, 10);
	return () => {
		clearInterval(timer);
		return {
			rssBase: base.rss,
			rssPeak: peak.rss,
			heapPeak: peak.heap,
			buffersPeak: peak.buffers,
		};
	};
}

async function runNode(folder: string, nodeOptions: Record<string, unknown> = {}) {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { FluxUltra } = require('../dist/nodes/FluxUltra/FluxUltra.node.js') as {
		FluxUltra: new () => INodeType;
	};
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { FalApi } = require('../dist/credentials/FalApi.credentials.js') as {
		FalApi: new () => ICredentialType;
	};
	const harness = createHarness({
		params: {
			provider: 'fal',
			operation: 'generate',
			prompt: (i: number) => `bench ${i}`,
			imageSource: 'none',
			aspectRatio: '1:1',
			numImages: options.imagesPerJob,
			outputFormat: 'png',
			options: { maxParallelJobs: options.parallel, ...nodeOptions },
		},
		items: Array.from({ length: options.jobs }, () => ({ json: {} })),
		credentials: { falApi: { apiKey: 'bench-dummy-key', baseUrl: options.mockUrl } },
		nodeType: new FluxUltra(),
		credentialTypes: { falApi: new FalApi() },
		binaryFolder: folder,
	});
	const [out] = await harness.run();
	if (out.length !== options.jobs * options.imagesPerJob || out.some((i) => i.json.error))
		throw new Error(`node: ${out.length} items`);
}

/**
 * FLUX 3 Image at 4k through the real node path (BFL provider, filesystem binary data), Max Image
 * Size unset so the model's default applies. Every item must carry the whole file: its size and
 * its 4096×4096 read from the file.
 */
async function runFlux3(folder: string) {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { FluxUltra } = require('../dist/nodes/FluxUltra/FluxUltra.node.js') as {
		FluxUltra: new () => INodeType;
	};
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { BflApi } = require('../dist/credentials/BflApi.credentials.js') as {
		BflApi: new () => ICredentialType;
	};
	const harness = createHarness({
		params: {
			provider: 'bfl',
			operation: 'generate',
			model: 'flux-3-image',
			prompt: (i: number) => `bench ${i}`,
			options: { resolution: '4k', aspectRatio: '1:1', maxParallelJobs: options.parallel },
		},
		node: { typeVersion: 2 },
		items: Array.from({ length: options.jobs }, () => ({ json: {} })),
		credentials: {
			bflApi: { apiKey: 'bench-dummy-key', region: 'global', baseUrl: options.mockUrl },
		},
		nodeType: new FluxUltra(),
		credentialTypes: { bflApi: new BflApi() },
		binaryFolder: folder,
	});
	const [out] = await harness.run();
	const bad = out.find(
		(i) =>
			i.json.error ||
			i.json.width !== 4096 ||
			i.json.height !== 4096 ||
			i.json.fileSize !== options.fileBytes,
	);
	if (out.length !== options.jobs || bad)
		throw new Error(
			`node-flux3-4k: ${out.length} items; ${JSON.stringify(bad?.json ?? {}).slice(0, 400)}`,
		);
}

async function download(url: string, path: string) {
	const response = await fetch(url);
	await writeFile(path, Buffer.from(await response.arrayBuffer()));
}

async function pool(count: number, limit: number, task: (i: number) => Promise<void>) {
	let next = 0;
	await Promise.all(
		Array.from({ length: limit }, async () => {
			while (next < count) await task(next++);
		}),
	);
}

async function runFalClient(folder: string) {
	const fal = createFalClient({
		credentials: 'bench-dummy:key',
		// Point the client at the mock: the same paths, another host.
		requestMiddleware: async (request) => ({
			...request,
			url: request.url.replace(/^https:\/\/queue\.fal\.run/, options.mockUrl),
		}),
	});
	await pool(options.jobs, options.parallel, async (i) => {
		const result = await fal.subscribe(ENDPOINT, { input: input(i) as never });
		const images = (result.data as { images: Array<{ url: string }> }).images;
		await Promise.all(images.map((img, n) => download(img.url, join(folder, `${i}-${n}`))));
	});
}

async function runSequential(folder: string) {
	const headers = { authorization: 'Key bench-dummy-key', 'content-type': 'application/json' };
	for (let i = 0; i < options.jobs; i++) {
		const submitted = (await (
			await fetch(`${options.mockUrl}/${ENDPOINT}`, {
				method: 'POST',
				headers,
				body: JSON.stringify(input(i)),
			})
		).json()) as Record<string, string>;
		for (;;) {
			await new Promise((r) => setTimeout(r, 5000));
			const status = (await (await fetch(submitted.status_url, { headers })).json()) as {
				status: string;
			};
			if (status.status === 'COMPLETED') break;
		}
		const result = (await (await fetch(submitted.response_url, { headers })).json()) as {
			images: Array<{ url: string }>;
		};
		for (const [n, img] of result.images.entries())
			await download(img.url, join(folder, `${i}-${n}`));
	}
}

async function main() {
	const folder = mkdtempSync(join(tmpdir(), `bench-${variant}-`));
	const stop = watchMemory();
	const started = Date.now();
	try {
		if (variant === 'node') await runNode(folder);
		// Write AI Label on (with the prompt): every PNG read and labelled on its way to storage.
		else if (variant === 'node-ai-label')
			await runNode(folder, { aiLabel: true, aiLabelPrompt: true });
		else if (variant === 'node-flux3-4k') await runFlux3(folder);
		else if (variant === 'fal-client') await runFalClient(folder);
		else if (variant === 'sequential-5s') await runSequential(folder);
		else throw new Error(`unknown variant ${variant}`);
	} finally {
		rmSync(folder, { recursive: true, force: true });
	}
	const wallMs = Date.now() - started;
	process.stdout.write(`${JSON.stringify({ variant, wallMs, ...stop() })}\n`);
}

main().catch((error: Error) => {
	process.stderr.write(`${variant} failed: ${error.stack ?? error.message}\n`);
	process.exit(1);
});
