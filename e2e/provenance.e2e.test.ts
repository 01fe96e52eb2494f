import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ExifTool } from 'exiftool-vendored';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CREDENTIALS_MARKER, mockSigner } from '../testkit/mocks/credentials';
import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import {
	binaryBytes,
	createInstance,
	e2eHosts,
	execute,
	jsonFile,
	n8nHost,
	packPackage,
	workflowNode,
	type N8nInstance,
} from '../testkit/n8n';
import { readCredentials } from '../testkit/provenance/c2pa';
import { sha256 } from '../testkit/provenance/files';

/**
 * Provenance inside a real n8n, the package installed from its tarball, against the loopback mock
 * fal.ai: one brief without Content Credentials and one whose images the mock signs ([c2pa]), through
 * a node with Write AI Label on and one with the defaults. The labelled binary is read back by
 * ExifTool; the credentialed binary is SHA-identical to the mock's file and validated by the C2PA
 * SDK; with the defaults both binaries are the mock's files byte for byte.
 */

const TRAINED = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';
const exiftool = new ExifTool({ maxProcs: 1 });
const scratch = mkdtempSync(join(tmpdir(), 'flux-provenance-e2e-'));

afterAll(async () => {
	await exiftool.end();
	rmSync(scratch, { recursive: true, force: true });
});

function workflow() {
	const node = workflowNode;
	const flux = (name: string, x: number, options: Record<string, unknown>) =>
		node(
			name,
			'n8n-nodes-flux-ultra.fluxUltra',
			2,
			x,
			{
				provider: 'fal',
				operation: 'generate',
				prompt: '={{ $json.prompt }}',
				options: { aspectRatio: '1:1', outputFormat: 'jpeg', ...options },
			},
			{ credentials: { falApi: { id: 'falApiProv01', name: 'fal.ai account' } } },
		);
	return {
		id: 'provenance',
		name: 'e2e: provenance',
		nodes: [
			node('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
			node('Briefs', 'n8n-nodes-base.code', 2, 220, {
				jsCode: `return [{ json: { prompt: 'a ceramic mug' } }, { json: { prompt: '${CREDENTIALS_MARKER} a ceramic mug' } }];`,
			}),
			flux('Labelled', 440, { aiLabel: true }),
			flux('As delivered', 660, {}),
		],
		connections: {
			Start: { main: [[{ node: 'Briefs', type: 'main', index: 0 }]] },
			Briefs: {
				main: [
					[
						{ node: 'Labelled', type: 'main', index: 0 },
						{ node: 'As delivered', type: 'main', index: 0 },
					],
				],
			},
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

describe.each(e2eHosts())('provenance in a real n8n (%s)', (hostName) => {
	let instance: N8nInstance;
	let fal: MockFal;

	beforeAll(async () => {
		instance = createInstance(
			n8nHost(hostName),
			packPackage(mkdtempSync(join(tmpdir(), 'flux-pack-'))),
		);
		fal = await startMockFal({ latencyMs: 200, scale: 0.05 });
		await instance.cli([
			'import:credentials',
			`--input=${jsonFile(instance, 'credentials.json', [{ id: 'falApiProv01', name: 'fal.ai account', type: 'falApi', data: { apiKey: 'dummy-e2e-fal-key', baseUrl: fal.url } }])}`,
		]);
		await instance.cli([
			'import:workflow',
			`--input=${jsonFile(instance, 'wf-provenance.json', workflow())}`,
		]);
	}, 45 * 60_000);

	afterAll(async () => {
		await fal?.close();
	});

	/** The file the mock serves at an item's link (it caches each file, signed or not). */
	const served = async (url: unknown) =>
		Buffer.from(await (await fetch(String(url))).arrayBuffer());

	it('a labelled image shows DigitalSourceType in ExifTool; a credentialed one is the mock file, valid for the C2PA SDK', async ({
		task,
	}) => {
		const runs = await execute(instance, 'provenance');
		const [plain, credentialed] = runs.Labelled.items;

		expect(plain.json.provenance).toEqual({
			c2pa: false,
			digitalSourceType: TRAINED,
			labelled: true,
		});
		const labelled = binaryBytes(instance, plain);
		expect(plain.json.fileSize).toBe(labelled.length);
		const path = join(scratch, `${hostName}-labelled.jpg`);
		writeFileSync(path, labelled);
		const tags = (await exiftool.read(path)) as Record<string, unknown>;
		expect(tags.DigitalSourceType).toBe(TRAINED);
		expect(tags.AISystemUsed).toBe('FLUX 1.1 [pro] ultra via fal.ai');
		expect(tags.AIPromptInformation).toBeUndefined();

		expect(credentialed.json.provenance).toEqual({
			c2pa: true,
			claimGenerator: 'FLUX Ultra mock provider/1.0',
			issuer: 'FLUX Ultra mock provider (test certificate)',
			digitalSourceType: null,
			labelled: false,
			leftAsIs: expect.stringContaining('Content Credentials'),
		});
		const bytes = binaryBytes(instance, credentialed);
		const original = await served(credentialed.json.url);
		expect(sha256(bytes)).toBe(sha256(original));
		const sdk = await readCredentials(bytes, 'image/jpeg', mockSigner());
		expect(sdk?.state).toBe('Trusted');

		task.meta.figures = `${hostName}: labelled ${labelled.length} B (ExifTool DigitalSourceType ${String(tags.DigitalSourceType).split('/').pop()}); credentialed sha256 ${sha256(bytes).slice(0, 12)}… = mock's, SDK ${sdk?.state}`;
	});

	it('with the defaults both files are the mock files byte for byte, and the items say what each carries', async () => {
		const runs = await execute(instance, 'provenance');
		const items = runs['As delivered'].items;
		expect(items.map((item) => item.json.provenance)).toEqual([
			{ c2pa: false, digitalSourceType: null, labelled: false },
			expect.objectContaining({ c2pa: true, labelled: false }),
		]);
		for (const item of items)
			expect(sha256(binaryBytes(instance, item))).toBe(sha256(await served(item.json.url)));
	});
});
