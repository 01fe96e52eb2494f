/**
 * `npm run demo:quick`: the compiled node run through the test harness (no n8n needed), end to end.
 *
 * Two marketing prompts go in as items; FLUX 1.1 Ultra (Generate, fal.ai) turns each into two
 * images; the first image then goes, as n8n binary data, into a Remix (Ultra Redux, fal.ai) step and
 * into a Runflow Generate that uses it as image prompt (uploaded as a Runflow asset), the way a
 * chained workflow passes it on. Every image is written to ./demo-output.
 *
 * Each provider runs against its loopback mock server (no network, no cost) unless its key is set:
 * FAL_KEY calls fal.ai for real (5 images, about $0.30), RUNFLOW_KEY calls Runflow (2 images, about
 * $0.12).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { ICredentialType, INodeExecutionData, INodeType } from 'n8n-workflow';

import { createHarness } from '../test/harness/context';
import { startMockFal, type MockFal } from '../test/mock-provider/falServer';
import { startMockRunflow, type MockRunflow } from '../test/mock-provider/runflowServer';

// The compiled package, as n8n loads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FluxUltra } = require('../dist/nodes/FluxUltra/FluxUltra.node.js') as { FluxUltra: new () => INodeType };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FalApi } = require('../dist/credentials/FalApi.credentials.js') as { FalApi: new () => ICredentialType };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RunflowApi } = require('../dist/credentials/RunflowApi.credentials.js') as { RunflowApi: new () => ICredentialType };

const outDir = resolve(process.env.DEMO_OUTPUT ?? 'demo-output');
const falKey = process.env.FAL_KEY?.trim();
const runflowKey = process.env.RUNFLOW_KEY?.trim();

const prompts = [
	{ prompt: 'Studio product photo of a matte ceramic coffee mug on a walnut table, soft morning light', aspect: '16:9' },
	{ prompt: 'Flat-lay of a summer sale flyer with lemons and sunglasses on pastel paper', aspect: '1:1' },
];

type Credentials = Record<string, Record<string, string>>;

async function runNode(params: Record<string, unknown>, items: INodeExecutionData[], credentials: Credentials) {
	const harness = createHarness({
		params,
		items,
		credentials,
		nodeType: new FluxUltra(),
		credentialTypes: { falApi: new FalApi(), runflowApi: new RunflowApi() },
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
	let falMock: MockFal | undefined;
	let runflowMock: MockRunflow | undefined;
	if (!falKey) falMock = await startMockFal({ latencyMs: 1500 });
	if (!runflowKey) runflowMock = await startMockRunflow({ latencyMs: 1500 });
	const credentials: Credentials = {
		falApi: falKey ? { apiKey: falKey, baseUrl: '' } : { apiKey: 'demo-dummy-key', baseUrl: falMock!.url },
		runflowApi: runflowKey ? { apiKey: runflowKey, baseUrl: '' } : { apiKey: 'rf_live_demo_dummy', baseUrl: runflowMock!.url },
	};
	console.log(falKey ? 'fal.ai: real service (FAL_KEY is set; billed)' : `fal.ai: mock on ${falMock!.url} (set FAL_KEY for the real service)`);
	console.log(runflowKey ? 'Runflow: real service (RUNFLOW_KEY is set; billed)' : `Runflow: mock on ${runflowMock!.url} (set RUNFLOW_KEY for the real service)`);

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

		const runflow = await runNode(
			{
				provider: 'runflow',
				operation: 'generate',
				prompt: 'the same product as a billboard in a rainy city street at night',
				aspectRatio: '21:9',
				numImages: 2,
				outputFormat: 'jpeg',
				imageSource: 'binary',
				binaryPropertyName: 'data',
				options: { fileName: 'runflow-{index}', imagePromptStrength: 0.3 },
			},
			[generate.output[0]],
			credentials,
		);
		const runflowed = save(runflow.output, 'runflow');

		console.table(
			[...generated, ...remixed, ...runflowed].map((r) => ({
				step: r.step,
				provider: r.json.provider,
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
				`Remix: 1 item → ${remix.output.length} image in ${remix.ms} ms (${remix.requests} HTTP requests); ` +
				`Runflow Generate with image prompt: 1 item → ${runflow.output.length} images in ${runflow.ms} ms (${runflow.requests} HTTP requests, upload included).`,
		);
		console.log(`Images written to ${outDir}`);
	} finally {
		await falMock?.close();
		await runflowMock?.close();
	}
}

main().catch((error: Error & { description?: string }) => {
	console.error(`Demo failed: ${error.message}${error.description ? `\n${error.description}` : ''}`);
	process.exitCode = 1;
});
