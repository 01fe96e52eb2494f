import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import nock from 'nock';
import type { INodeExecutionData } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../../testkit/harness/clock';
import { createHarness } from '../../../testkit/harness/context';
import { mockBflJob } from '../../../testkit/harness/bflNock';
import { fakeImages } from '../../../testkit/harness/falNock';
import { mockReplicateJob, mockReplicateUpload } from '../../../testkit/harness/replicateNock';
import { mockRunflowJob } from '../../../testkit/harness/runflowNock';
import { makeJpeg } from '../../../testkit/mocks/images';
import { useNock } from '../../setupNock';
import { files } from './versionScenarios';

/**
 * Saved Ultra workflows on Black Forest Labs, Replicate and Runflow (fal.ai's are in
 * versions.test.ts), as version-1 and version-2 nodes: what the node sent (method, URL, header
 * names, every submitted JSON body) and what it put out. fixtures/providers-before.json was
 * recorded with this code before the Model field existed (issue 29, commit on branch `models`
 * before "models/"): a model declaration must leave an Ultra workflow exactly as it was.
 * `RECORD_FIXTURES=1 npx vitest run <this file>` writes it again (only ever before such a change).
 */

useNock();

const PHOTO = makeJpeg(40, 32, 5);
const withPhoto = (): INodeExecutionData[] => [
	{
		json: {},
		binary: {
			photo: { data: PHOTO.toString('base64'), mimeType: 'image/jpeg', fileName: 'photo.jpg' },
		},
	},
];

const ULTRA_OPTIONS = {
	seed: 7,
	raw: true,
	safetyTolerance: '4',
	enhancePrompt: true,
	imagePromptStrength: 0.3,
	fileName: 'shot-{item}-{index}-{seed}',
	maxParallelJobs: 1,
};

type Version = { v1: Record<string, unknown>; v2: Record<string, unknown> };

/** One scenario: the node's parameters at each version, and the provider mocks it runs against. */
interface Scenario {
	params: Version;
	items?: () => INodeExecutionData[];
	mock: () => { submitted: () => unknown[] };
}

function v1v2(
	provider: string,
	operation: string,
	top: Record<string, unknown>,
	image: Record<string, unknown>,
	options: Record<string, unknown>,
): Version {
	// Version 2: Remix keeps its image on top, every other optional field sits in Options.
	const v2Top: Record<string, unknown> = { provider, operation };
	const v2Options: Record<string, unknown> = { ...options };
	if (top.prompt !== undefined && operation !== 'remix') v2Top.prompt = top.prompt;
	else if (top.prompt !== undefined) v2Options.prompt = top.prompt;
	for (const [k, v] of Object.entries(top)) if (k !== 'prompt') v2Options[k] = v;
	if (operation === 'remix') Object.assign(v2Top, image);
	else Object.assign(v2Options, image);
	return {
		v1: { provider, operation, ...top, ...image, options },
		v2: { ...v2Top, options: v2Options },
	};
}

const SCENARIOS: Record<string, Scenario> = {
	bflGenerateBinary: {
		params: v1v2(
			'bfl',
			'generate',
			{ prompt: 'a ceramic mug', aspectRatio: '3:2', numImages: 2, outputFormat: 'png' },
			{ imageSource: 'binary', binaryPropertyName: 'photo' },
			ULTRA_OPTIONS,
		),
		items: withPhoto,
		mock: () => {
			const jobs = [0, 1].map((n) =>
				mockBflJob({
					id: `bfl-fixture-${n}-example`,
					image: fakeImages(1, 'png', 48, 32)[0],
					seed: 7 + n,
				}),
			);
			return { submitted: () => jobs.map((j) => j.submitted()) };
		},
	},
	bflRemixUrlless: {
		params: v1v2(
			'bfl',
			'remix',
			{ prompt: 'autumn palette', aspectRatio: '9:16', numImages: 1, outputFormat: 'jpeg' },
			{ imageSource: 'binary', binaryPropertyName: 'photo' },
			{ fileName: 'remix-{item}' },
		),
		items: withPhoto,
		mock: () => {
			const job = mockBflJob({ id: 'bfl-fixture-remix-example', seed: 3 });
			return { submitted: () => [job.submitted()] };
		},
	},
	replicateGenerateUrl: {
		params: v1v2(
			'replicate',
			'generate',
			{ prompt: 'a ceramic mug', aspectRatio: '1:1', numImages: 2, outputFormat: 'jpeg' },
			{ imageSource: 'url', imageUrl: 'https://images.example.com/mug.png' },
			// Replicate's Ultra has no prompt enhancement (refused): everything else as on BFL.
			{ ...ULTRA_OPTIONS, enhancePrompt: false },
		),
		mock: () => {
			const jobs = [0, 1].map((n) =>
				mockReplicateJob({
					id: `rpfixture${n}example`,
					image: fakeImages(1, 'jpeg', 32, 32)[0],
					seed: 7 + n,
				}),
			);
			return { submitted: () => jobs.map((j) => j.submitted()) };
		},
	},
	replicateRemixBinary: {
		params: v1v2(
			'replicate',
			'remix',
			{ prompt: '', aspectRatio: '16:9', numImages: 1, outputFormat: 'png' },
			{ imageSource: 'binary', binaryPropertyName: 'photo' },
			{},
		),
		items: withPhoto,
		mock: () => {
			mockReplicateUpload('file-fixture-example');
			const job = mockReplicateJob({
				id: 'rpfixtureremixexample',
				image: fakeImages(1, 'png')[0],
			});
			return { submitted: () => [job.submitted()] };
		},
	},
	runflowGenerate: {
		params: v1v2(
			'runflow',
			'generate',
			{ prompt: 'a ceramic mug', aspectRatio: '21:9', numImages: 2, outputFormat: 'png' },
			{ imageSource: 'none' },
			{ seed: 11, safetyTolerance: '3', fileName: 'rf-{index}' },
		),
		mock: () => {
			const job = mockRunflowJob({
				runId: '0190f0aa-0000-7000-8000-00000000f1x7',
				images: fakeImages(2, 'png'),
				seed: 11,
			});
			return { submitted: () => [job.submitted()] };
		},
	},
};

async function run(name: string, version: 1 | 2) {
	const scenario = SCENARIOS[name];
	const mocks = scenario.mock();
	const harness = createHarness({
		params: version === 1 ? scenario.params.v1 : scenario.params.v2,
		items: scenario.items?.() ?? [{ json: {} }],
		node: { typeVersion: version },
	});
	const [out] = await harness.run();
	nock.cleanAll();
	return JSON.parse(
		JSON.stringify({
			requests: harness.requests.map((r) => ({
				method: r.method,
				url: r.url,
				headers: Object.keys(r.headers).sort(),
			})),
			// Runflow's client_ref ends in the clock time of the submit: only its stable part is compared.
			submitted: mocks.submitted().map((body) => {
				const ref = (body as { client_ref?: unknown } | undefined)?.client_ref;
				return typeof ref === 'string'
					? { ...(body as object), client_ref: ref.replace(/-[0-9a-z]+$/, '-<time>') }
					: body;
			}),
			output: out.map((item) => ({
				json: item.json,
				pairedItem: item.pairedItem,
				files: files(item),
			})),
		}),
	) as unknown;
}

const FIXTURE = join(__dirname, 'fixtures/providers-before.json');

describe('saved Ultra workflows on Black Forest Labs, Replicate and Runflow: the same requests and items as before the Model field', () => {
	if (process.env.RECORD_FIXTURES === '1') {
		it('records the fixture', async () => {
			useVirtualClock();
			const recorded: Record<string, unknown> = {};
			for (const name of Object.keys(SCENARIOS)) recorded[name] = await run(name, 1);
			writeFileSync(FIXTURE, `${JSON.stringify(recorded, null, '\t')}\n`);
		});
		return;
	}
	const before = existsSync(FIXTURE)
		? (JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>)
		: {};
	for (const name of Object.keys(SCENARIOS)) {
		for (const version of [1, 2] as const) {
			it(`${name}, version ${version}`, async () => {
				useVirtualClock();
				const result = await run(name, version);
				expect(before[name], 'fixture recorded').toBeDefined();
				expect(result).toEqual(before[name]);
			});
		}
	}
});
