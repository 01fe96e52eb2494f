import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ExifTool } from 'exiftool-vendored';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CREDENTIALS_MARKER, mockSigner } from '../testkit/mocks/credentials';
import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { binaryBytes, e2eHosts, workflowNode } from '../testkit/n8n';
import { readCredentials } from '../testkit/provenance/c2pa';
import { sha256 } from '../testkit/provenance/files';
import { codeNode, credential, e2eN8n, rowWorkflow, SETUP_TIMEOUT, startNode } from './fixture';

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

/** The briefs, then two version-2 nodes side by side: Write AI Label on, and the defaults. */
function workflow() {
	const flux = (name: string, x: number, options: Record<string, unknown>) =>
		workflowNode(
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
	return rowWorkflow('provenance', 'e2e: provenance', [
		startNode(),
		codeNode(
			'Briefs',
			`return [{ json: { prompt: 'a ceramic mug' } }, { json: { prompt: '${CREDENTIALS_MARKER} a ceramic mug' } }];`,
		),
		[flux('Labelled', 440, { aiLabel: true }), flux('As delivered', 660, {})],
	]);
}

describe.each(e2eHosts())('provenance in a real n8n (%s)', (hostName) => {
	const n8n = e2eN8n(hostName);
	let fal: MockFal;

	beforeAll(async () => {
		await n8n.install();
		fal = await n8n.mock(startMockFal({ latencyMs: 200, scale: 0.05 }));
		await n8n.importCredentials([
			credential('falApi', 'falApiProv01', 'fal.ai account', {
				apiKey: 'dummy-e2e-fal-key',
				baseUrl: fal.url,
			}),
		]);
		await n8n.importWorkflows(workflow());
	}, SETUP_TIMEOUT);

	/** The file the mock serves at an item's link (it caches each file, signed or not). */
	const served = async (url: unknown) =>
		Buffer.from(await (await fetch(String(url))).arrayBuffer());

	it('a labelled image shows DigitalSourceType in ExifTool; a credentialed one is the mock file, valid for the C2PA SDK', async ({
		task,
	}) => {
		const runs = await n8n.execute('provenance');
		const [plain, credentialed] = runs.Labelled.items;

		expect(plain.json.provenance).toEqual({
			c2pa: false,
			digitalSourceType: TRAINED,
			labelled: true,
		});
		const labelled = binaryBytes(n8n.instance, plain);
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
		const bytes = binaryBytes(n8n.instance, credentialed);
		const original = await served(credentialed.json.url);
		expect(sha256(bytes)).toBe(sha256(original));
		const sdk = await readCredentials(bytes, 'image/jpeg', mockSigner());
		expect(sdk?.state).toBe('Trusted');

		task.meta.figures = `${hostName}: labelled ${labelled.length} B (ExifTool DigitalSourceType ${String(tags.DigitalSourceType).split('/').pop()}); credentialed sha256 ${sha256(bytes).slice(0, 12)}… = mock's, SDK ${sdk?.state}`;
	});

	it('with the defaults both files are the mock files byte for byte, and the items say what each carries', async () => {
		const runs = await n8n.execute('provenance');
		const items = runs['As delivered'].items;
		expect(items.map((item) => item.json.provenance)).toEqual([
			{ c2pa: false, digitalSourceType: null, labelled: false },
			expect.objectContaining({ c2pa: true, labelled: false }),
		]);
		for (const item of items)
			expect(sha256(binaryBytes(n8n.instance, item))).toBe(sha256(await served(item.json.url)));
	});
});
