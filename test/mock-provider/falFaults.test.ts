import { createServer } from 'node:http';

import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DOWNLOAD_ATTEMPTS } from '../../nodes/FluxUltra/transport/retryPolicy';
import { createHarness } from '../../testkit/harness/context';
import { startMockFal, FAL_FAULT_MARKERS, type MockFal } from '../../testkit/mocks/falServer';
import { listenLoopback } from '../../testkit/mocks/loopback';
import { errorOf } from '../../testkit/harness/errorItems';

/**
 * The defects real n8n showed, over real loopback sockets and n8n-core's own HTTP helpers: a paid
 * job whose download is cut mid-body, one-off 500s on reads, a job stuck in fal's queue behind a
 * keep-alive-only stream. Each test fails on the code before the fix.
 */
describe('fal.ai faults over real sockets', () => {
	let mock: MockFal;
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		mock = await startMockFal({ latencyMs: 200, scale: 0.05, keepAliveMs: 200 });
	});
	afterAll(async () => {
		await mock.close();
	});

	const run = (
		prompts: string[],
		options: Record<string, unknown> = {},
		extra: { continueOnFail?: boolean } = {},
	) =>
		createHarness({
			params: {
				provider: 'fal',
				operation: 'generate',
				prompt: (i: number) => prompts[i],
				imageSource: 'none',
				numImages: 2,
				outputFormat: 'png',
				options,
			},
			items: prompts.map(() => ({ json: {} })),
			credentials: { falApi: { apiKey: 'dummy-key', baseUrl: mock.url } },
			...extra,
		});

	it('fetches an image again when its download is cut mid-body, and delivers it byte-exact', async () => {
		const before = { ...mock.counts, cuts: mock.served.cutDownloads };
		const [out] = await run([`a lighthouse ${FAL_FAULT_MARKERS.cutDownload}`]).run();

		expect(out).toHaveLength(2);
		expect(mock.served.cutDownloads - before.cuts).toBe(2);
		expect(mock.counts.submit - before.submit).toBe(1); // paid once
		expect(mock.counts.download - before.download).toBe(4); // each image: cut once, then whole
		const job = mock.jobs.get(String(out[0].json.requestId))!;
		for (const item of out) {
			const bytes = Buffer.from(item.binary!.data.data, 'base64');
			expect(bytes.length).toBe(item.json.fileSize);
			expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
		}
		expect(job).toBeDefined();
	});

	it('rides out a 500 on the status request and on the result read: no failed item, no second job', async () => {
		const before = { ...mock.counts, ...mock.served };
		const [out] = await run([`a harbour ${FAL_FAULT_MARKERS.flakyReads}`]).run();

		expect(out).toHaveLength(2);
		expect(mock.served.status500 - before.status500).toBe(1);
		expect(mock.served.result500 - before.result500).toBe(1);
		expect(mock.counts.submit - before.submit).toBe(1);
	});

	it('ends a job stuck in the queue at its Timeout, cancels it, and delivers the other items', async () => {
		const before = { ...mock.counts };
		const started = Date.now();
		const [out] = await run(
			['a quay', `a jetty ${FAL_FAULT_MARKERS.stuck}`, 'a pier'],
			{ timeout: 10, maxParallelJobs: 3 },
			{ continueOnFail: true },
		).run();
		const seconds = (Date.now() - started) / 1000;

		expect(out.map((i) => errorOf(i).kind ?? 'image')).toEqual([
			'image',
			'image',
			'timeout',
			'image',
			'image',
		]);
		expect(errorOf(out[2]).message).toBe(
			'The job did not finish within 10 seconds; fal.ai took the cancel [item 1]',
		);
		expect(mock.counts.cancel - before.cancel).toBe(1);
		expect(seconds).toBeGreaterThanOrEqual(10);
		expect(seconds).toBeLessThan(13);
	}, 30_000);
});

describe('download redirects', () => {
	it('follows a redirect on the same local origin, refuses one to another internal host', async () => {
		nock.enableNetConnect('127.0.0.1');
		const mock = await startMockFal({ latencyMs: 50, scale: 0.05 });
		// A file host that redirects: once to the mock's own origin (allowed: the base URL is local),
		// once to a link-local address (never allowed from elsewhere).
		const bouncer = await listenLoopback(
			createServer((req, res) => {
				const to =
					req.url === '/ok' ? `${mock.url}${req.url}` : 'http://169.254.169.254/latest/meta-data';
				res.writeHead(302, { location: to });
				res.end();
			}),
		);
		try {
			const { isDownloadableLink } = await import('../../nodes/FluxUltra/shared/url');
			expect(isDownloadableLink('https://cdn.example.com/a.png', {})).toBe(true);
			expect(isDownloadableLink('https://127.0.0.1/a.png', {})).toBe(false);
			expect(isDownloadableLink('https://10.1.2.3/a.png', {})).toBe(false);
			expect(isDownloadableLink('https://[::1]/a.png', {})).toBe(false);
			expect(isDownloadableLink('https://169.254.169.254/a.png', {})).toBe(false);
			expect(isDownloadableLink('http://cdn.example.com/a.png', {})).toBe(false);
			const local = { plainHttpOrigin: mock.url, internalOrigin: mock.url };
			expect(isDownloadableLink(`${mock.url}/files/x.png`, local)).toBe(true); // a local base URL: its own origin is allowed
			expect(isDownloadableLink('https://127.0.0.1:8443/x.png', local)).toBe(false); // and no other internal host (issue 18, finding 9)
			expect(isDownloadableLink('http://169.254.169.254/a', { plainHttpOrigin: mock.url })).toBe(
				false,
			); // but plain http only on the base origin

			const { fetchResultImage } = await import('../../nodes/FluxUltra/job/downloads');
			const harness = createHarness({ params: {} });
			const provider = {
				providerName: 'fal.ai',
				credentialName: 'fal.ai API',
				parseError: () => ({}),
			};
			const refused = await fetchResultImage(
				harness.ctx,
				provider,
				{ url: `${bouncer.url}/meta` },
				{
					maxBytes: 1e6,
					plainHttpOrigin: bouncer.url,
				},
			).catch((e: Error) => e);
			expect((refused as Error).message).toBe(
				'fal.ai redirected the image download to a location this node does not follow (http://169.254.169.254)',
			);
			expect(harness.requests.map((r) => r.url)).toEqual([`${bouncer.url}/meta`]);
		} finally {
			await bouncer.close();
			await mock.close();
		}
	});

	it(`gives up after ${DOWNLOAD_ATTEMPTS} cut downloads with the image link and the fact that the job is paid`, async () => {
		nock.enableNetConnect('127.0.0.1');
		const hits = { submit: 0, image: 0 };
		let base = '';
		// A local stand-in for fal.ai whose file host always cuts the body half-way.
		const server = await listenLoopback(
			createServer((req, res) => {
				const path = (req.url ?? '').split('?')[0];
				if (req.method === 'POST') {
					hits.submit++;
					res.writeHead(200, { 'content-type': 'application/json' });
					return res.end(JSON.stringify({ request_id: 'r-cut' }));
				}
				if (path.endsWith('/status/stream')) {
					res.writeHead(200, { 'content-type': 'text/event-stream' });
					return res.end('data: {"status":"COMPLETED"}\n\n');
				}
				if (path === '/fal-ai/flux-pro/requests/r-cut') {
					res.writeHead(200, { 'content-type': 'application/json' });
					return res.end(JSON.stringify({ images: [{ url: `${base}/img.png` }], seed: 1 }));
				}
				hits.image++;
				res.writeHead(200, { 'content-type': 'image/png', 'content-length': '100000' });
				res.write(Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(5000)]), () =>
					res.socket?.destroy(),
				);
				return undefined;
			}),
		);
		base = server.url;
		try {
			const harness = createHarness({
				params: {
					provider: 'fal',
					operation: 'generate',
					prompt: 'x',
					imageSource: 'none',
					options: {},
				},
				credentials: { falApi: { apiKey: 'dummy-key', baseUrl: base } },
				continueOnFail: true,
			});
			const [out] = await harness.run();

			expect(out).toHaveLength(1);
			expect(hits).toEqual({ submit: 1, image: DOWNLOAD_ATTEMPTS });
			expect(errorOf(out[0])).toMatchObject({
				kind: 'download',
				imageUrl: `${base}/img.png`,
				requestId: 'r-cut',
			});
			expect(errorOf(out[0]).message).toContain(`after ${DOWNLOAD_ATTEMPTS} attempts`);
			expect(errorOf(out[0]).description).toContain('paid for');
			expect(errorOf(out[0]).description).not.toMatch(/run (the workflow|it) again/i);
		} finally {
			await server.close();
		}
	});
});
