import { createHash } from 'node:crypto';

import nock from 'nock';
import type { INodeExecutionData } from 'n8n-workflow';

import { createHarness } from '../../../testkit/harness/context';
import {
	APP_PATH,
	ENDPOINT_PATH,
	fakeImages,
	mockFalJob,
	QUEUE,
} from '../../../testkit/harness/falNock';

/**
 * The same jobs set up as a version-1 node (as workflows saved before version 2 store them) and as a
 * version-2 node (every optional field in Options), run through the harness on nock: what the node
 * sent (method, URL, header names, the submitted JSON) and what it put out (JSON, and each file's
 * name, type, size and SHA-256). fixtures/version1-before.json holds what the version-1 parameters
 * gave before version 2 existed (commit e8fd44d), recorded with this same code.
 */

const IMAGE_URL = 'https://images.example.com/mug.png';
const LINKS = (id: string) => ({
	status: `${QUEUE}${APP_PATH}/requests/${id}/status`,
	result: `${QUEUE}${APP_PATH}/requests/${id}`,
	cancel: `${QUEUE}${APP_PATH}/requests/${id}/cancel`,
});

export const SCENARIOS = {
	generate: {
		v1: {
			provider: 'fal',
			operation: 'generate',
			prompt: 'a ceramic mug on a walnut table',
			imageSource: 'url',
			imageUrl: IMAGE_URL,
			aspectRatio: '1:1',
			numImages: 2,
			outputFormat: 'png',
			downloadImage: true,
			waitForCompletion: true,
			options: {
				seed: 42,
				raw: true,
				safetyTolerance: '3',
				fileName: 'mug-{item}-{index}',
				imagePromptStrength: 0.4,
			},
		},
		v2: {
			provider: 'fal',
			operation: 'generate',
			prompt: 'a ceramic mug on a walnut table',
			options: {
				imageSource: 'url',
				imageUrl: IMAGE_URL,
				aspectRatio: '1:1',
				numImages: 2,
				outputFormat: 'png',
				seed: 42,
				raw: true,
				safetyTolerance: '3',
				fileName: 'mug-{item}-{index}',
				imagePromptStrength: 0.4,
			},
		},
	},
	remix: {
		v1: {
			provider: 'fal',
			operation: 'remix',
			prompt: 'same scene, autumn palette',
			imageSource: 'url',
			imageUrl: IMAGE_URL,
			aspectRatio: '9:16',
			numImages: 1,
			outputFormat: 'jpeg',
			options: { fileName: 'autumn-{item}' },
		},
		v2: {
			provider: 'fal',
			operation: 'remix',
			imageSource: 'url',
			imageUrl: IMAGE_URL,
			options: {
				prompt: 'same scene, autumn palette',
				aspectRatio: '9:16',
				fileName: 'autumn-{item}',
			},
		},
	},
	submitOnly: {
		v1: {
			provider: 'fal',
			operation: 'generate',
			prompt: 'a lemon',
			imageSource: 'none',
			aspectRatio: '16:9',
			numImages: 1,
			outputFormat: 'jpeg',
			waitForCompletion: false,
			options: {},
		},
		v2: {
			provider: 'fal',
			operation: 'generate',
			prompt: 'a lemon',
			options: { waitForCompletion: false },
		},
	},
	// Get Result of a job as Generate put it out with Wait for Completion off: version 1 maps the
	// item's links into Job Links (its default), version 2 reads them from the item itself.
	getResult: {
		v1: {
			provider: 'fal',
			operation: 'getResult',
			requestId: 'r-collect',
			jobLinks: LINKS('r-collect'),
			downloadImage: false,
			options: {},
		},
		v2: {
			provider: 'fal',
			operation: 'getResult',
			requestId: 'r-collect',
			options: { downloadImage: false },
		},
	},
} as const;

export type ScenarioName = keyof typeof SCENARIOS;

export interface ScenarioResult {
	requests: Array<{ method: string; url: string; headers: string[] }>;
	submitted: Record<string, unknown> | undefined;
	output: Array<{
		json: unknown;
		pairedItem: unknown;
		files: Record<
			string,
			{ fileName?: string; mimeType: string; fileSize?: string; sha256: string }
		>;
	}>;
}

/** An item's binary files as the version fixtures record them: names, type, size and SHA-256. */
export function files(item: INodeExecutionData) {
	return Object.fromEntries(
		Object.entries(item.binary ?? {}).map(([key, b]) => [
			key,
			{
				fileName: b.fileName,
				mimeType: b.mimeType,
				fileSize: b.fileSize,
				sha256: createHash('sha256').update(Buffer.from(b.data, 'base64')).digest('hex'),
			},
		]),
	);
}

/** Runs one scenario at one node version (1: version-1 parameters, 2: version-2 parameters). */
export async function runScenario(name: ScenarioName, version: 1 | 2): Promise<ScenarioResult> {
	const params = SCENARIOS[name][version === 1 ? 'v1' : 'v2'] as unknown as Record<string, unknown>;
	const requestId = `r-${name}`;
	let job: ReturnType<typeof mockFalJob> | undefined;
	let items: INodeExecutionData[] = [{ json: {} }];
	if (name === 'getResult') {
		items = [
			{
				json: {
					provider: 'fal',
					operation: 'generate',
					status: 'submitted',
					requestId: 'r-collect',
					links: LINKS('r-collect'),
					item: 0,
					imageIndex: 0,
					imageCount: 1,
					prompt: 'a lemon',
					aspectRatio: '16:9',
				},
			},
		];
		job = mockFalJob({ requestId: 'r-collect', images: fakeImages(1, 'jpeg'), pending: [] });
		// Get Result reads the status and result only: the submit interceptor stays unused.
	} else if (name === 'submitOnly') {
		let body: Record<string, unknown> | undefined;
		const scope = nock(QUEUE)
			.post(ENDPOINT_PATH.generate, (b: Record<string, unknown>) => {
				body = b;
				return true;
			})
			.reply(200, { request_id: requestId });
		job = { requestId, submitted: () => body, scope };
	} else {
		const images = fakeImages(name === 'generate' ? 2 : 1, name === 'generate' ? 'png' : 'jpeg');
		job = mockFalJob({ operation: name, requestId, images, pending: [] });
	}
	const harness = createHarness({ params, items, node: { typeVersion: version } });
	const [out] = await harness.run();
	nock.cleanAll();
	return {
		requests: harness.requests.map((r) => ({
			method: r.method,
			url: r.url,
			headers: Object.keys(r.headers).sort(),
		})),
		submitted: name === 'getResult' ? undefined : job?.submitted(),
		output: out.map((item) => ({
			json: item.json,
			pairedItem: item.pairedItem,
			files: files(item),
		})),
	};
}
