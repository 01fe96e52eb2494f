/**
 * `npm run demo`: a real generation through the compiled node, end to end.
 *
 * Two marketing prompts go in as items; FLUX 1.1 Ultra (Generate) turns each into two images; the
 * first image then goes, as n8n binary data, into a Remix (Ultra Redux) step, the way a chained
 * workflow passes it on. Every image is written to ./demo-output.
 *
 * Without FAL_KEY it runs against the loopback mock fal.ai server (no network, no cost). With
 * FAL_KEY set it calls fal.ai for real: 5 images, about $0.30.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { ICredentialType, INodeExecutionData, INodeType } from 'n8n-workflow';

import { createHarness } from '../test/harness/context';
import { startMockFal, type MockFal } from '../test/mock-provider/falServer';

// The compiled package, as n8n loads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FluxUltra } = require('../dist/nodes/FluxUltra/FluxUltra.node.js') as { FluxUltra: new () => INodeType };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FalApi } = require('../dist/credentials/FalApi.credentials.js') as { FalApi: new () => ICredentialType };

const outDir = resolve(process.env.DEMO_OUTPUT ?? 'demo-output');
const realKey = process.env.FAL_KEY?.trim();

const prompts = [
	{ prompt: 'Studio product photo of a matte ceramic coffee mug on a walnut table, soft morning light', aspect: '16:9' },
	{ prompt: 'Flat-lay of a summer sale flyer with lemons and sunglasses on pastel paper', aspect: '1:1' },
];

async function runNode(params: Record<string, unknown>, items: INodeExecutionData[], credentials: Record<string, string>) {
	const harness = createHarness({
		params,
		items,
		credentials: { falApi: credentials },
		nodeType: new FluxUltra(),
		credentialTypes: { falApi: new FalApi() },
	});
	const started = Date.now();
	const [output] = await harness.run();
	return { output, ms: Date.now() - started, requests: harness.requests.length };
}

function save(output: INodeExecutionData[], step: string) {
	return output.map((item) => {
		const binary = item.binary?.data;
		if (!binary) throw new Error(`${step}: an output item has no binary data: ${JSON.stringify(item.json)}`);
		const file = join(outDir, `${step}-${binary.fileName}`);
		writeFileSync(file, Buffer.from(binary.data, 'base64'));
		return { step, file: file.replace(`${process.cwd()}/`, ''), json: item.json, pairedItem: item.pairedItem };
	});
}

async function main() {
	let mock: MockFal | undefined;
	if (!realKey) mock = await startMockFal({ latencyMs: 1500 });
	const credentials = realKey ? { apiKey: realKey, baseUrl: '' } : { apiKey: 'demo-dummy-key', baseUrl: mock!.url };
	console.log(realKey ? 'Provider: fal.ai (FAL_KEY is set; this run is billed)' : `Provider: mock fal.ai on ${mock!.url} (set FAL_KEY for the real service)`);

	rmSync(outDir, { recursive: true, force: true });
	mkdirSync(outDir, { recursive: true });
	try {
		const generate = await runNode(
			{
				provider: 'fal',
				operation: 'generate',
				prompt: (i: number) => prompts[i].prompt,
				aspectRatio: (i: number) => prompts[i].aspect,
				numImages: 2,
				outputFormat: 'png',
				imageSource: 'none',
				options: { fileName: 'flux-{item}-{index}' },
			},
			prompts.map((p) => ({ json: p })),
			credentials,
		);
		const generated = save(generate.output, 'generate');

		const remix = await runNode(
			{
				provider: 'fal',
				operation: 'remix',
				prompt: 'same scene, autumn palette',
				aspectRatio: '16:9',
				numImages: 1,
				outputFormat: 'jpeg',
				imageSource: 'binary',
				binaryPropertyName: 'data',
				options: { fileName: 'remix-{index}' },
			},
			[generate.output[0]],
			credentials,
		);
		const remixed = save(remix.output, 'remix');

		console.table(
			[...generated, ...remixed].map((r) => ({
				step: r.step,
				file: r.file,
				size: `${r.json.width}×${r.json.height}`,
				bytes: r.json.fileSize,
				type: r.json.contentType,
				seed: r.json.seed,
				fromItem: (r.pairedItem as { item: number }).item,
			})),
		);
		console.log(
			`Generate: ${prompts.length} items → ${generate.output.length} images in ${generate.ms} ms (${generate.requests} HTTP requests); ` +
				`Remix: 1 item → ${remix.output.length} image in ${remix.ms} ms (${remix.requests} HTTP requests).`,
		);
		console.log(`Images written to ${outDir}`);
	} finally {
		await mock?.close();
	}
}

main().catch((error: Error & { description?: string }) => {
	console.error(`Demo failed: ${error.message}${error.description ? `\n${error.description}` : ''}`);
	process.exitCode = 1;
});
