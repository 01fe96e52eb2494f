import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ExifTool } from 'exiftool-vendored';
import nock from 'nock';
import type { IBinaryData, INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../testkit/harness/clock';
import { createHarness } from '../../testkit/harness/context';
import { CDN, GENERATE_PARAMS, mockFalJob, type FakeImage } from '../../testkit/harness/falNock';
import { makeJpeg, makePng } from '../../testkit/mocks/images';
import {
	readCredentials,
	signImage,
	testSigner,
	type TestSigner,
} from '../../testkit/provenance/c2pa';
import { movePngChunkToEnd, sha256 } from '../../testkit/provenance/files';
import { useNock } from '../setupNock';

/**
 * The node end to end on nock (n8n-core's request helpers, streamed downloads): each image item's
 * `provenance`, the default output byte for byte what the provider sent (SHA-256), Write AI Label
 * on a plain file (read back by ExifTool) and on a credentialed one (unchanged, and the C2PA SDK
 * still validates it), in memory and in n8n's filesystem binary mode.
 */

useNock();

const exiftool = new ExifTool({ maxProcs: 1 });
const dir = mkdtempSync(join(tmpdir(), 'flux-provenance-node-'));
let signer: TestSigner;
let signedPng: Buffer;
let signedJpeg: Buffer;
const plainJpeg = makeJpeg(48, 27, 3);

beforeAll(async () => {
	signer = testSigner();
	signedPng = await signImage(makePng(48, 27, 1), 'image/png', signer);
	signedJpeg = await signImage(makeJpeg(48, 27, 2), 'image/jpeg', signer);
});

afterAll(async () => {
	await exiftool.end();
	rmSync(dir, { recursive: true, force: true });
});

const image = (bytes: Buffer, contentType: string): FakeImage => ({
	bytes,
	contentType,
	width: 48,
	height: 27,
});

/** The stored file's bytes, from memory (base64) or from n8n's filesystem mode. */
function bytesOf(binary: IBinaryData): Buffer {
	if (binary.id) return readFileSync(binary.id.replace(/^filesystem-v2:/, ''));
	return Buffer.from(binary.data, 'base64');
}

async function run(options: Record<string, unknown>, images: FakeImage[], binaryFolder?: string) {
	useVirtualClock();
	mockFalJob({ images });
	const harness = createHarness({
		params: { ...GENERATE_PARAMS, numImages: images.length, options },
		binaryFolder,
	});
	const [out] = await harness.run();
	return out;
}

const file = (item: INodeExecutionData) => bytesOf(item.binary!.data);

describe('each image item says what its file carries', () => {
	it('by default: the files exactly as the provider sent them, and what each carries', async () => {
		const out = await run({}, [
			image(plainJpeg, 'image/jpeg'),
			image(signedPng, 'image/png'),
			image(signedJpeg, 'image/jpeg'),
		]);
		expect(out.map((item) => sha256(file(item)))).toEqual(
			[plainJpeg, signedPng, signedJpeg].map(sha256),
		);
		expect(out[0].json.provenance).toEqual({
			c2pa: false,
			digitalSourceType: null,
			labelled: false,
		});
		for (const item of out.slice(1)) {
			expect(item.json.provenance).toEqual({
				c2pa: true,
				claimGenerator: 'FLUX Ultra mock provider/1.0',
				issuer: 'FLUX Ultra Test Signer',
				digitalSourceType: null,
				labelled: false,
				leftAsIs: expect.stringContaining('Content Credentials'),
			});
		}
		expect(out.map((item) => item.json.fileSize)).toEqual(
			[plainJpeg, signedPng, signedJpeg].map((b) => b.length),
		);
	});

	for (const mode of ['memory', 'filesystem'] as const) {
		it(`Write AI Label (${mode} binary mode): the plain file labelled, the credentialed ones unchanged and still valid`, async () => {
			const out = await run(
				{ aiLabel: true },
				[image(plainJpeg, 'image/jpeg'), image(signedPng, 'image/png')],
				mode === 'filesystem' ? mkdtempSync(join(dir, 'fs-')) : undefined,
			);
			const labelled = file(out[0]);
			expect(out[0].json.provenance).toEqual({
				c2pa: false,
				digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
				labelled: true,
			});
			expect(out[0].json.fileSize).toBe(labelled.length);
			const path = join(dir, `labelled-${mode}.jpg`);
			writeFileSync(path, labelled);
			const tags = (await exiftool.read(path)) as Record<string, unknown>;
			expect(tags.DigitalSourceType).toBe(
				'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
			);
			expect(tags.AISystemUsed).toBe('FLUX 1.1 [pro] ultra via fal.ai');
			expect(tags.AIPromptInformation).toBeUndefined();

			const credentialed = file(out[1]);
			expect(sha256(credentialed)).toBe(sha256(signedPng));
			expect(out[1].json.provenance).toMatchObject({ c2pa: true, labelled: false });
			expect((await readCredentials(credentialed, 'image/png', signer))?.state).toBe('Trusted');
		});
	}

	it('Include Prompt in AI Label: the prompt the provider ran goes into the file', async () => {
		const out = await run({ aiLabel: true, aiLabelPrompt: true }, [image(plainJpeg, 'image/jpeg')]);
		const path = join(dir, 'prompt.jpg');
		writeFileSync(path, file(out[0]));
		const tags = (await exiftool.read(path)) as Record<string, unknown>;
		expect(tags.AIPromptInformation).toBe(GENERATE_PARAMS.prompt);
	});

	it('inline (sync mode) images: reported and labelled the same; a late manifest leaves the file as sent', async () => {
		const late = movePngChunkToEnd(signedPng, 'caBX');
		useVirtualClock();
		mockFalJob({
			inline: true,
			images: [image(plainJpeg, 'image/jpeg'), image(late, 'image/png')],
		});
		const [out] = await createHarness({
			params: { ...GENERATE_PARAMS, numImages: 2, options: { aiLabel: true } },
		}).run();
		expect(out[0].json.provenance).toMatchObject({ c2pa: false, labelled: true });
		expect(sha256(file(out[1]))).toBe(sha256(late));
		expect(out[1].json.provenance).toMatchObject({ c2pa: true, labelled: false });
	});

	it('a manifest that turns up after the image data: fetched again and delivered unlabelled, as sent', async () => {
		const late = movePngChunkToEnd(signedPng, 'caBX');
		useVirtualClock();
		// The first download (labelled on the way, until the manifest shows) and the second.
		const first = nock(CDN)
			.get('/files/r-late/0.png')
			.reply(200, late, { 'content-type': 'image/png' });
		const job = mockFalJob({ requestId: 'r-late', images: [image(late, 'image/png')] });
		const [out] = await createHarness({
			params: { ...GENERATE_PARAMS, options: { aiLabel: true } },
		}).run();
		// Both downloads happened: nothing the mock offered is left.
		expect(first.isDone() && job.scope.isDone()).toBe(true);
		expect(nock.pendingMocks()).toEqual([]);
		expect(sha256(file(out[0]))).toBe(sha256(late));
		expect(out[0].json.provenance).toMatchObject({ c2pa: true, labelled: false });
	});
});
