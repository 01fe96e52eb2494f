/**
 * `npm run demo:quick`: the compiled node run through the test harness (no n8n needed), end to end.
 *
 * Two marketing prompts go in as items; FLUX 1.1 Ultra (Generate, fal.ai) turns each into two
 * images; the first image then goes, as n8n binary data, into a Remix (Ultra Redux, fal.ai) step,
 * into a Runflow Generate that uses it as image prompt (uploaded as a Runflow asset), into a Black
 * Forest Labs Remix (Ultra with the image as base64 image prompt, two images: two requests) and
 * into a Replicate Generate with it as image prompt, the way a chained workflow passes it on. Then
 * the models beyond Ultra (issue 29): FLUX 3 Image on fal.ai combines the two flyers as reference
 * images (one from its binary data, one by its link), and FLUX.2 [pro] on Black Forest Labs turns
 * FLUX 3's image, its one reference, into a story. Every
 * image is written to ./demo-output-quick (DEMO_OUTPUT overrides), beside `npm run demo`'s ./demo-output;
 * a run replaces only its own earlier images there (scripts/demo-output.ts).
 *
 * Each provider runs against its loopback mock server (no network, no cost) unless its key is set:
 * FAL_KEY calls fal.ai for real (6 images, about $0.35), RUNFLOW_KEY calls Runflow (2 images, about
 * $0.12), BFL_API_KEY calls Black Forest Labs (3 images, about $0.18), REPLICATE_API_TOKEN calls
 * Replicate (1 image, about $0.06).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ICredentialType, INodeExecutionData, INodeType } from 'n8n-workflow';

import { createHarness } from '../testkit/harness/context';
import { providerAccess } from '../testkit/providerAccess';
import { clearOwnImages, demoOutputDir } from './demo-output';

// The compiled package, as n8n loads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FluxUltra } = require('../dist/nodes/FluxUltra/FluxUltra.node.js') as {
	FluxUltra: new () => INodeType;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FalApi } = require('../dist/credentials/FalApi.credentials.js') as {
	FalApi: new () => ICredentialType;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RunflowApi } = require('../dist/credentials/RunflowApi.credentials.js') as {
	RunflowApi: new () => ICredentialType;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { BflApi } = require('../dist/credentials/BflApi.credentials.js') as {
	BflApi: new () => ICredentialType;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ReplicateApi } = require('../dist/credentials/ReplicateApi.credentials.js') as {
	ReplicateApi: new () => ICredentialType;
};

const outDir = demoOutputDir('demo-output-quick');
const STEPS = ['generate', 'remix', 'runflow', 'bfl', 'replicate', 'flux3', 'flux2'];

const prompts = [
	{
		prompt:
			'Studio product photo of a matte ceramic coffee mug on a walnut table, soft morning light',
		aspect: '16:9',
	},
	{
		prompt: 'Flat-lay of a summer sale flyer with lemons and sunglasses on pastel paper',
		aspect: '1:1',
	},
];

type Credentials = Record<string, Record<string, string>>;

async function runNode(
	params: Record<string, unknown>,
	items: INodeExecutionData[],
	credentials: Credentials,
	typeVersion?: number,
) {
	const harness = createHarness({
		params,
		items,
		credentials,
		...(typeVersion ? { node: { typeVersion } } : {}),
		nodeType: new FluxUltra(),
		credentialTypes: {
			falApi: new FalApi(),
			runflowApi: new RunflowApi(),
			bflApi: new BflApi(),
			replicateApi: new ReplicateApi(),
		},
	});
	const started = Date.now();
	const [output] = await harness.run();
	return { output, ms: Date.now() - started, requests: harness.requests.length };
}

function save(output: INodeExecutionData[], step: string) {
	return output.map((item) => {
		const binary = item.binary?.data;
		if (!binary)
			throw new Error(`${step}: an output item has no binary data: ${JSON.stringify(item.json)}`);
		const file = join(outDir, `${step}-${binary.fileName}`);
		writeFileSync(file, Buffer.from(binary.data, 'base64'));
		return {
			step,
			file: file.replace(`${process.cwd()}/`, ''),
			json: item.json,
			pairedItem: item.pairedItem,
		};
	});
}

async function main() {
	const providers = await providerAccess('demo', 1500);
	const credentials: Credentials = {
		falApi: { ...providers.fal.login },
		runflowApi: { ...providers.runflow.login },
		bflApi: { ...providers.bfl.login, region: 'global' },
		replicateApi: { ...providers.replicate.login },
	};
	for (const line of providers.lines()) console.log(line);

	clearOwnImages(outDir, (name) => STEPS.some((step) => name.startsWith(`${step}-`)));
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

		// BFL makes one image per request: Number of Images 2 is two jobs, seeds 7 and 8.
		const bfl = await runNode(
			{
				provider: 'bfl',
				operation: 'remix',
				prompt: 'same scene, winter palette',
				aspectRatio: '16:9',
				numImages: 2,
				outputFormat: 'jpeg',
				imageSource: 'binary',
				binaryPropertyName: 'data',
				options: { fileName: 'bfl-{index}', seed: 7, imagePromptStrength: 0.5 },
			},
			[generate.output[0]],
			credentials,
		);
		const bfled = save(bfl.output, 'bfl');

		const replicate = await runNode(
			{
				provider: 'replicate',
				operation: 'generate',
				prompt: 'the same flyer pinned to a cafe notice board',
				aspectRatio: '4:3',
				numImages: 1,
				outputFormat: 'png',
				imageSource: 'binary',
				binaryPropertyName: 'data',
				options: { fileName: 'replicate-{index}', imagePromptStrength: 0.3 },
			},
			[generate.output[2]],
			credentials,
		);
		const replicated = save(replicate.output, 'replicate');

		// FLUX 3 Image: the two flyers (1:1, 4 MP: fal takes references up to 4 MP), the first from
		// its binary data, the second by its link, as reference images 1 and 2.
		const flux3 = await runNode(
			{
				provider: 'fal',
				operation: 'generate',
				model: 'flux-3-image',
				prompt: 'The flyers of image 1 and image 2 side by side on a cafe wall',
				options: {
					referenceImages: {
						image: [
							{ source: 'binary', binaryPropertyName: 'data' },
							{ source: 'url', url: String(generate.output[3].json.url) },
						],
					},
					aspectRatio: '4:3',
					resolution: '1k',
					fileName: 'flux3-{index}',
				},
			},
			[generate.output[2]],
			credentials,
			2,
		);
		const flux3ed = save(flux3.output, 'flux3');

		// FLUX.2 [pro] on BFL: FLUX 3's image as its one reference (sent as base64).
		const flux2 = await runNode(
			{
				provider: 'bfl',
				operation: 'generate',
				model: 'flux-2-pro',
				prompt: 'The cafe wall of image 1 as a vertical story',
				options: {
					referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'data' }] },
					aspectRatio: '9:16',
					megapixels: '1',
					fileName: 'flux2-{index}',
				},
			},
			flux3.output,
			credentials,
			2,
		);
		const flux2ed = save(flux2.output, 'flux2');

		console.table(
			[...generated, ...remixed, ...runflowed, ...bfled, ...replicated, ...flux3ed, ...flux2ed].map(
				(r) => ({
					step: r.step,
					provider: r.json.provider,
					model: r.json.model ?? 'flux-1.1-pro-ultra',
					file: r.file,
					size: `${r.json.width}×${r.json.height}`,
					bytes: r.json.fileSize,
					type: r.json.contentType,
					seed: r.json.seed,
					fromItem: (r.pairedItem as { item: number }).item,
				}),
			),
		);
		console.log(
			`Generate: ${prompts.length} items → ${generate.output.length} images in ${generate.ms} ms (${generate.requests} HTTP requests); ` +
				`Remix: 1 item → ${remix.output.length} image in ${remix.ms} ms (${remix.requests} HTTP requests); ` +
				`Runflow Generate with image prompt: 1 item → ${runflow.output.length} images in ${runflow.ms} ms (${runflow.requests} HTTP requests, upload included); ` +
				`BFL Remix: 1 item → ${bfl.output.length} images in ${bfl.ms} ms (${bfl.requests} HTTP requests, one job per image); ` +
				`Replicate Generate with image prompt: 1 item → ${replicate.output.length} image in ${replicate.ms} ms (${replicate.requests} HTTP requests); ` +
				`FLUX 3 Image with 2 reference images: 1 item → ${flux3.output.length} image in ${flux3.ms} ms (${flux3.requests} HTTP requests); ` +
				`FLUX.2 [pro] with 1 reference image on BFL: 1 item → ${flux2.output.length} image in ${flux2.ms} ms (${flux2.requests} HTTP requests).`,
		);
		console.log(`Images written to ${outDir}`);
	} finally {
		await providers.close();
	}
}

main().catch((error: Error & { description?: string }) => {
	console.error(
		`Demo failed: ${error.message}${error.description ? `\n${error.description}` : ''}`,
	);
	process.exitCode = 1;
});
