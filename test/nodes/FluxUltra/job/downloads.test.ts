import { Readable } from 'node:stream';

import nock from 'nock';
import { describe, expect, it } from 'vitest';

import {
	decodeDataUri,
	fetchResultImage,
	imageSize,
	sniffImage,
} from '../../../../nodes/FluxUltra/job/downloads';
import { fileNameFor } from '../../../../nodes/FluxUltra/job/imageItems';
import type { FluxError } from '../../../../nodes/FluxUltra/transport/errors';
import { useVirtualClock } from '../../../../testkit/harness/clock';
import { createHarness } from '../../../../testkit/harness/context';
import { GENERATE_PARAMS } from '../../../../testkit/harness/falNock';
import { makeJpeg, makePng } from '../../../../testkit/mocks/images';
import { useNock } from '../../../setupNock';

useNock();

/** Reads a result file the way prepareBinaryData would. */
async function drain(data: Buffer | NodeJS.ReadableStream): Promise<Buffer> {
	if (Buffer.isBuffer(data)) return data;
	const chunks: Buffer[] = [];
	for await (const chunk of data) chunks.push(Buffer.from(chunk as Buffer));
	return Buffer.concat(chunks);
}

const provider = { providerName: 'fal.ai', credentialName: 'fal.ai API', parseError: () => ({}) };

async function fetchImage(
	url: string,
	options: { plainHttpOrigin?: string; maxBytes?: number } = {},
) {
	const harness = createHarness({ params: GENERATE_PARAMS });
	const result = await fetchResultImage(
		harness.ctx,
		provider,
		{ url },
		{ maxBytes: 40 * 1024 * 1024, ...options },
	).then(
		(file) => ({ file, error: undefined }),
		(error: FluxError) => ({ file: undefined, error }),
	);
	return { ...result, requests: harness.requests };
}

describe('image bytes', () => {
	it('recognises images by their first bytes and reads PNG and JPEG sizes', () => {
		expect(sniffImage(makePng(30, 20))).toEqual({ mimeType: 'image/png', extension: 'png' });
		expect(sniffImage(makeJpeg(30, 20))).toEqual({ mimeType: 'image/jpeg', extension: 'jpg' });
		expect(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toEqual({
			mimeType: 'image/webp',
			extension: 'webp',
		});
		expect(sniffImage(Buffer.from('<html>no</html>'))).toBeUndefined();
		expect(imageSize(makePng(30, 20))).toEqual({ width: 30, height: 20 });
		expect(imageSize(makeJpeg(33, 17))).toEqual({ width: 33, height: 17 });
	});

	it('decodes base64 data URIs', () => {
		const png = makePng(4, 4);
		expect(decodeDataUri(`data:image/png;base64,${png.toString('base64')}`).equals(png)).toBe(true);
	});

	it('builds safe file names from the pattern', () => {
		expect(
			fileNameFor('flux-{requestId}-{index}', { requestId: 'r/1', index: 2, item: 1 }, 'png'),
		).toBe('flux-r-1-2.png');
		expect(fileNameFor('{seed}', { requestId: 'r', index: 1, item: 1 }, 'jpg')).toBe('image.jpg');
		expect(fileNameFor('../../etc/passwd', { requestId: 'r', index: 1, item: 1 }, 'png')).toBe(
			'etc-passwd.png',
		);
	});
});

describe('fetchResultImage', () => {
	it('downloads an https image without any credential', async () => {
		useVirtualClock();
		const png = makePng(8, 8);
		nock('https://v3.fal.media')
			.get('/files/a.png')
			.reply(200, png, { 'content-type': 'image/png' });

		const { file, requests } = await fetchImage('https://v3.fal.media/files/a.png');

		expect((await drain(file!.data)).equals(png)).toBe(true);
		expect(file!.bytesRead()).toBe(png.length);
		expect(file!.size).toEqual({ width: 8, height: 8 });
		expect(requests[0].headers.authorization).toBeUndefined();
	});

	it('refuses a download that is not an image', async () => {
		useVirtualClock();
		nock('https://v3.fal.media')
			.get('/files/a.png')
			.reply(200, '<html>Access denied</html>', { 'content-type': 'image/png' });

		const { error } = await fetchImage('https://v3.fal.media/files/a.png');

		expect(error?.kind).toBe('download');
		expect(error?.message).toBe('fal.ai returned a file that is not an image');
	});

	it('refuses an image over the byte cap', async () => {
		useVirtualClock();
		const png = makePng(64, 64);
		nock('https://v3.fal.media')
			.get('/files/big.png')
			.reply(200, png, { 'content-length': String(png.length) });

		// A declared length over the cap is refused before any byte is read.
		const { error } = await fetchImage('https://v3.fal.media/files/big.png', { maxBytes: 100 });

		expect(error?.message).toMatch(/^An image from fal\.ai is larger than/);
	});

	it('hands the whole file to a consumer that only listens for data and end (n8n 1.x)', async () => {
		useVirtualClock();
		const png = Buffer.concat([makePng(8, 8, 2), Buffer.alloc(200_000, 7)]);
		nock('https://v3.fal.media')
			.get('/files/b.png')
			.reply(200, () => Readable.from([png.subarray(0, 50_000), png.subarray(50_000)]));

		const { file } = await fetchImage('https://v3.fal.media/files/b.png');
		const stream = file!.data as NodeJS.ReadableStream;
		const chunks: Buffer[] = [];
		await new Promise<void>((resolve, reject) => {
			stream.on('data', (c: Buffer) => chunks.push(c));
			stream.on('end', resolve);
			stream.on('error', reject);
		});

		expect(Buffer.concat(chunks).equals(png)).toBe(true);
		expect(file!.bytesRead()).toBe(png.length);
	});

	it('stops a download without a length at the cap, mid-way, with the size error', async () => {
		useVirtualClock();
		const big = Buffer.concat([makePng(8, 8), Buffer.alloc(300_000)]);
		nock('https://v3.fal.media')
			.get('/files/endless.png')
			.reply(200, () =>
				Readable.from([
					big.subarray(0, 100_000),
					big.subarray(100_000, 200_000),
					big.subarray(200_000),
				]),
			);

		const { file } = await fetchImage('https://v3.fal.media/files/endless.png', {
			maxBytes: 150_000,
		});
		const outcome = await drain(file!.data).then(
			() => 'read',
			(error: Error) => error.message,
		);

		// The request is aborted (n8n's axios fails the stream with its own "canceled"); what
		// stopped it is the size error, which the job reports (storeImage reads stoppedBy first).
		expect(outcome).not.toBe('read');
		expect(file!.stoppedBy()?.message).toMatch(/^An image from fal\.ai is larger than/);
		expect(file!.stoppedBy()?.kind).toBe('download');
	});

	it('follows only https links, or plain http on the configured base URL', async () => {
		const denied = await fetchImage('http://cdn.example.com/a.png');
		expect(denied.error?.message).toBe(
			'fal.ai returned an image link to a location this node does not follow (http://cdn.example.com)',
		);
		expect(denied.requests).toHaveLength(0);
		const file = await fetchImage('file:///etc/passwd');
		expect(file.requests).toHaveLength(0);

		useVirtualClock();
		nock('http://127.0.0.1:9999').get('/files/a.png').reply(200, makePng(2, 2));
		const allowed = await fetchImage('http://127.0.0.1:9999/files/a.png', {
			plainHttpOrigin: 'http://127.0.0.1:9999',
		});
		expect(allowed.file?.kind.mimeType).toBe('image/png');
	});
});
