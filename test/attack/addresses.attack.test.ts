import { promises as dnsPromises } from 'node:dns';
import { Agent as HttpAgent, createServer as createHttpServer } from 'node:http';
import {
	connect as netConnect,
	createServer,
	type AddressInfo,
	type Server,
	type Socket,
	type Socket as NetSocket,
} from 'node:net';

import { gzipSync } from 'node:zlib';

import nock from 'nock';
import { afterAll, beforeAll, describe, expect, vi } from 'vitest';

import { BflApi } from '../../credentials/BflApi.credentials';
import { FalApi } from '../../credentials/FalApi.credentials';
import { ReplicateApi } from '../../credentials/ReplicateApi.credentials';
import { RunflowApi } from '../../credentials/RunflowApi.credentials';
import { isDownloadableLink, isInternalHost } from '../../nodes/FluxUltra/shared/url';
import { send } from '../../nodes/FluxUltra/transport/http';
import {
	BFL_API,
	BFL_DELIVERY as BFL_DELIVERY_HOST,
	BFL_GENERATE_PARAMS,
	mockBflJob,
} from '../../testkit/harness/bflNock';
import { useVirtualClock } from '../../testkit/harness/clock';
import {
	createHarness,
	DUMMY_BFL_KEY,
	DUMMY_FAL_KEY,
	DUMMY_REPLICATE_KEY,
	DUMMY_RUNFLOW_KEY,
	type HarnessOptions,
	type ParamValue,
} from '../../testkit/harness/context';
import { errorOf } from '../../testkit/harness/errorItems';
import { runCredentialTest } from '../../testkit/harness/n8nCredentialTest';
import {
	APP_PATH,
	ENDPOINT_PATH,
	GENERATE_PARAMS,
	QUEUE,
	FAL_REST,
	fakeImages,
} from '../../testkit/harness/falNock';
import { resolvesTo } from '../../testkit/harness/nockAddresses';
import { makePng } from '../../testkit/mocks/images';
import { useNock } from '../setupNock';
import { attack } from './attack';

/**
 * Issue 18, finding 3 (and the address half of 9): no fetch, upload or redirect of this node goes
 * to a loopback, private, link-local or otherwise internal address, however it is spelled.
 */

const FINDING = '3 address spellings';
const UPLOADS = '9 presigned uploads and base URL';
/** Issue 27, item 3: names whose DNS answer is internal, and checks that fail closed. */
const INWARD = '27.3 names resolving inward';

useNock();

/** A TCP server on every local address (dual stack) that counts connections and answers nothing. */
let trap: { server: Server; port: number; connections: number };
beforeAll(async () => {
	const server = createServer((socket: Socket) => {
		trap.connections++;
		socket.destroy();
	});
	await new Promise<void>((resolve) =>
		server.listen({ port: 0, host: '::', ipv6Only: false }, resolve),
	);
	trap = { server, port: (server.address() as AddressInfo).port, connections: 0 };
});
afterAll(async () => {
	await new Promise<void>((resolve) => trap.server.close(() => resolve()));
});

const allow = () => {
	nock.enableNetConnect((host) => /^(127\.|\[?::|localhost|0\.0\.0\.0|\[?0:)/.test(host));
};

const credentials = (over: { fal?: string; bfl?: string } = {}) => ({
	falApi: { apiKey: DUMMY_FAL_KEY, baseUrl: over.fal ?? '' },
	runflowApi: { apiKey: DUMMY_RUNFLOW_KEY, baseUrl: '' },
	bflApi: { apiKey: DUMMY_BFL_KEY, region: 'global', baseUrl: over.bfl ?? '' },
	replicateApi: { apiKey: DUMMY_REPLICATE_KEY, baseUrl: '' },
});

/** A BFL Generate from the Image URL `imageUrl` (a function: one per item); errors as items unless `over` says otherwise. */
const bflFromUrl = (imageUrl: ParamValue, over: Partial<HarnessOptions> = {}) =>
	createHarness({
		params: { ...BFL_GENERATE_PARAMS, imageSource: 'url', imageUrl },
		credentials: credentials(),
		continueOnFail: true,
		...over,
	});

/** A fal.ai job `id` at `base` (fal's queue by default) that completes at once, its result listing `links`. */
const completedFalJob = (id: string, links: string[], base = QUEUE) =>
	nock(base)
		.post(ENDPOINT_PATH.generate)
		.reply(200, { request_id: id })
		.get(`${APP_PATH}/requests/${id}/status`)
		.query(true)
		.reply(200, { status: 'COMPLETED' })
		.get(`${APP_PATH}/requests/${id}`)
		.reply(200, { images: links.map((url) => ({ url, content_type: 'image/png' })), seed: 1 });

/** An input image too large to go inline: fal.ai takes it through a presigned upload. */
const UPLOADED_IMAGE = Buffer.concat([makePng(300, 300, 7), Buffer.alloc(300 * 1024)]);

/** A fal.ai Remix of UPLOADED_IMAGE, errors as items, its presigned upload link `uploadUrl`. */
const remixWithUpload = (uploadUrl: string) => {
	nock(FAL_REST).post('/storage/upload/initiate').query(true).reply(200, {
		upload_url: uploadUrl,
		file_url: 'https://v3.fal.media/files/uploads/1',
	});
	return createHarness({
		params: {
			...GENERATE_PARAMS,
			operation: 'remix',
			prompt: '',
			imageSource: 'binary',
			binaryPropertyName: 'photo',
		},
		items: [
			{
				json: {},
				binary: {
					photo: {
						data: UPLOADED_IMAGE.toString('base64'),
						mimeType: 'image/png',
						fileName: 'p.png',
					},
				},
			},
		],
		credentials: credentials(),
		continueOnFail: true,
	});
};

// Every spelling of an internal address the review named, and the IANA special-purpose blocks.
const INTERNAL = [
	// IPv4, as WHATWG URL parsing normalises it (short, hex, octal, decimal forms) and every special block
	'0.0.0.0',
	'0.1.2.3',
	'10.0.0.1',
	'100.64.0.1',
	'100.127.255.255',
	'127.0.0.1',
	'127.1',
	'0x7f.1',
	'2130706433',
	'017700000001',
	'169.254.169.254',
	'172.16.0.1',
	'172.31.255.255',
	'192.0.0.1',
	'192.0.0.170',
	'192.0.2.1',
	'192.88.99.1',
	'192.168.1.1',
	'198.18.0.1',
	'198.19.255.255',
	'198.51.100.1',
	'203.0.113.1',
	'224.0.0.1',
	'239.255.255.250',
	'240.0.0.1',
	'255.255.255.255',
	// IPv6: unspecified, loopback, mapped, compatible, SIIT, NAT64 (well-known and local-use), 6to4, Teredo, ULA, link-local, site-local, multicast, discard, documentation
	'[::]',
	'[::1]',
	'[0:0:0:0:0:0:0:1]',
	'[::ffff:127.0.0.1]',
	'[::ffff:7f00:1]',
	'[::ffff:10.0.0.1]',
	'[::ffff:169.254.169.254]',
	'[::7f00:1]',
	'[::127.0.0.1]',
	'[::ffff:0:127.0.0.1]',
	'[64:ff9b::127.0.0.1]',
	'[64:ff9b::a9fe:a9fe]',
	'[64:ff9b:1::1]',
	'[2002:7f00:1::]',
	'[2002:a9fe:a9fe::1]',
	'[2001:0:4136:e378:8000:63bf:3fff:fdd2]',
	'[fc00::1]',
	'[fd12:3456::1]',
	'[fe80::1]',
	'[febf::1]',
	'[fec0::1]',
	'[feff::1]',
	'[ff02::1]',
	'[100::1]',
	'[2001:db8::1]',
	// names
	'localhost',
	'localhost.',
	'LOCALHOST',
	'a.localhost',
	'a.localhost.',
	'printer.local',
	'printer.local.',
	'metadata.google.internal',
	'metadata.google.internal.',
	'router.home.arpa',
	'metadata',
	'instance-data',
	'redis',
];
const PUBLIC = [
	'8.8.8.8',
	'1.1.1.1',
	'100.63.255.255',
	'100.128.0.1',
	'172.15.255.255',
	'172.32.0.1',
	'192.0.1.1',
	'192.88.98.1',
	'198.17.255.255',
	'198.20.0.1',
	'223.255.255.255',
	'[2606:4700::1111]',
	'[2001:4860:4860::8888]',
	'[::ffff:8.8.8.8]',
	'[64:ff9b::808:808]',
	'[2002:808:808::1]',
	'[2001:0:4136:e378:8000:63bf:f7f7:f7f7]',
	'cdn.example.com',
	'v3.fal.media',
	'delivery-us1.bfl.ai',
	'example.com.',
	'localhost.example.com',
	'local.example.com',
];

describe('the address classifier', () => {
	attack(
		FINDING,
		`refuses ${INTERNAL.length} internal spellings and keeps ${PUBLIC.length} public ones`,
		(context) => {
			const wronglyAllowed = INTERNAL.filter((host) =>
				isDownloadableLink(`https://${host}/a.png`, {}),
			);
			const wronglyRefused = PUBLIC.filter(
				(host) => !isDownloadableLink(`https://${host}/a.png`, {}),
			);
			context.task.meta.figures = `internal spellings let through: ${wronglyAllowed.length}/${INTERNAL.length}; public hosts refused: ${wronglyRefused.length}/${PUBLIC.length}`;
			expect(wronglyAllowed).toEqual([]);
			expect(wronglyRefused).toEqual([]);
		},
	);

	attack(
		FINDING,
		'classifies raw host text too: brackets, zone ids, trailing dots, upper case',
		() => {
			for (const host of [
				'fe80::1%eth0',
				'[fe80::1%25eth0]',
				'::FFFF:127.0.0.1',
				'LocalHost..',
				'0177.0.0.1',
				'0x7f000001',
				'127.0.0.1.',
			]) {
				expect([host, isInternalHost(host)]).toEqual([host, true]);
			}
			for (const host of ['cdn.example.com', '2606:4700::1111', '93.184.216.34']) {
				expect([host, isInternalHost(host)]).toEqual([host, false]);
			}
		},
	);

	attack(
		UPLOADS,
		'an API base URL on 127.0.0.1 allows that one origin, not every internal host',
		() => {
			const policy = {
				plainHttpOrigin: 'http://127.0.0.1:8080',
				internalOrigin: 'http://127.0.0.1:8080',
			};
			expect(isDownloadableLink('http://127.0.0.1:8080/files/a.png', policy)).toBe(true);
			for (const other of [
				'https://127.0.0.1:6379/',
				'https://10.0.0.5/a.png',
				'https://169.254.169.254/latest',
				'https://[::1]:8080/a.png',
				'https://127.0.0.1:8443/x.png',
			]) {
				expect([other, isDownloadableLink(other, policy)]).toEqual([other, false]);
			}
		},
	);
});

describe('through the node, over real sockets', () => {
	const spellings = () => [
		`https://[::ffff:127.0.0.1]:${trap.port}/in.png`,
		`https://[::ffff:7f00:1]:${trap.port}/in.png`,
		`https://localhost.:${trap.port}/in.png`,
		`https://[::1]:${trap.port}/in.png`,
		`https://127.1:${trap.port}/in.png`,
		`https://0x7f.1:${trap.port}/in.png`,
		`https://2130706433:${trap.port}/in.png`,
		`https://0.0.0.0:${trap.port}/in.png`,
		`https://[::]:${trap.port}/in.png`,
	];

	attack(
		FINDING,
		'a BFL Image URL on loopback, in 9 spellings: 0 connections to loopback, 0 requests to BFL, one error per item',
		async (context) => {
			useVirtualClock();
			allow();
			const urls = spellings();
			const before = trap.connections;
			const h = bflFromUrl((i: number) => urls[i], {
				items: urls.map((url) => ({ json: { harnessValue: url } })),
			});
			const [out] = await h.run();
			const connections = trap.connections - before;
			context.task.meta.figures = `loopback connections: ${connections}; requests made: ${h.requests.length}; items failed in place: ${out.length}`;
			expect(connections).toBe(0);
			expect(h.requests).toEqual([]);
			expect(out.map((item) => item.pairedItem)).toEqual(urls.map((_, n) => ({ item: n })));
			expect(out.map((item) => errorOf(item).field)).toEqual(urls.map(() => 'Image URL'));
		},
	);

	attack(FINDING, 'a fal result link on internal spellings is not downloaded', async () => {
		useVirtualClock();
		allow();
		const before = trap.connections;
		const links = [
			`https://[::ffff:7f00:1]:${trap.port}/a.png`,
			`https://localhost.:${trap.port}/a.png`,
			`https://[::1]:${trap.port}/a.png`,
		];
		completedFalJob('r-int', links);
		const h = createHarness({
			params: { ...GENERATE_PARAMS, numImages: 1 },
			credentials: credentials(),
			continueOnFail: true,
		});
		const [out] = await h.run();
		expect(trap.connections - before).toBe(0);
		expect(h.requests.filter((r) => !r.url.startsWith(QUEUE))).toEqual([]);
		expect(out.length).toBeGreaterThan(0);
		expect(out.every((item) => errorOf(item).kind === 'download')).toBe(true);
	});

	attack(FINDING, 'a CDN redirect to internal spellings is not followed', async () => {
		useVirtualClock();
		allow();
		const before = trap.connections;
		const targets = [
			`https://[::ffff:7f00:1]:${trap.port}/x.png`,
			`https://localhost.:${trap.port}/x.png`,
			'https://metadata.google.internal./computeMetadata/v1/',
			`https://[64:ff9b::7f00:1]:${trap.port}/x.png`,
		];
		for (const [n, target] of targets.entries()) {
			completedFalJob(`r-cdn-${n}`, [`https://cdn.example.com/${n}.png`]);
			nock('https://cdn.example.com').get(`/${n}.png`).reply(302, '', { location: target });
		}
		const h = createHarness({
			params: { ...GENERATE_PARAMS, prompt: () => 'x' },
			items: targets.map(() => ({ json: {} })),
			credentials: credentials(),
			continueOnFail: true,
		});
		const [out] = await h.run();
		expect(trap.connections - before).toBe(0);
		expect(
			h.requests
				.map((r) => r.url)
				.filter((url) => !url.startsWith(QUEUE) && !url.startsWith('https://cdn.example.com')),
		).toEqual([]);
		expect(out.map((item) => errorOf(item).kind)).toEqual(targets.map(() => 'download'));
	});

	attack(
		UPLOADS,
		'a presigned upload answered 307 to 127.0.0.1 is not followed, and no job is paid for',
		async () => {
			useVirtualClock();
			allow();
			const before = trap.connections;
			const h = remixWithUpload('https://fal-uploads.storage.example.com/put/1?signature=example');
			nock('https://fal-uploads.storage.example.com')
				.put('/put/1')
				.query(true)
				.reply(307, '', { location: `http://127.0.0.1:${trap.port}/` });
			const [out] = await h.run();
			expect(trap.connections - before).toBe(0);
			expect(h.requests.filter((r) => r.url.startsWith(QUEUE))).toEqual([]);
			expect(h.requests.map((r) => r.method + ' ' + new URL(r.url).host)).toEqual([
				'POST rest.fal.ai',
				'PUT fal-uploads.storage.example.com',
			]);
			expect(errorOf(out[0]).kind).toBe('bad_response');
			expect(String(errorOf(out[0]).message)).toMatch(/redirect/);
		},
	);

	attack(UPLOADS, 'a presigned upload link on an internal spelling gets no PUT', async () => {
		useVirtualClock();
		allow();
		const before = trap.connections;
		const h = remixWithUpload(`https://[::ffff:7f00:1]:${trap.port}/put/1`);
		const [out] = await h.run();
		expect(trap.connections - before).toBe(0);
		expect(h.requests.filter((r) => r.method === 'PUT')).toEqual([]);
		expect(errorOf(out[0]).kind).toBe('bad_response');
	});

	attack(
		UPLOADS,
		'a fal base URL on 127.0.0.1 does not unlock a result link on another loopback port',
		async () => {
			useVirtualClock();
			allow();
			const before = trap.connections;
			const base = 'http://127.0.0.1:1';
			completedFalJob('r-local', [`https://127.0.0.1:${trap.port}/a.png`], base);
			const h = createHarness({
				params: GENERATE_PARAMS,
				credentials: credentials({ fal: base }),
				continueOnFail: true,
			});
			const [out] = await h.run();
			expect(trap.connections - before).toBe(0);
			expect(h.requests.filter((r) => !r.url.startsWith(base))).toEqual([]);
			expect(errorOf(out[0]).kind).toBe('download');
		},
	);

	attack(
		UPLOADS,
		'a plain-http API base URL on a public host is refused before any request, as a credential error',
		async () => {
			useVirtualClock();
			const h = createHarness({
				params: GENERATE_PARAMS,
				credentials: credentials({ fal: 'http://fal-proxy.example.com' }),
				continueOnFail: true,
			});
			const [out] = await h.run();
			expect(h.requests).toEqual([]);
			expect(errorOf(out[0]).kind).toBe('auth');
			expect(String(errorOf(out[0]).message)).toMatch(/fal\.ai API/);
			expect(String(errorOf(out[0]).message)).toMatch(/http/);
		},
	);

	attack(
		FINDING,
		'a closed port, a 404, an HTML page and a refused address give an agent one and the same error text',
		async (context) => {
			useVirtualClock();
			nock('https://closed.example.com')
				.get('/a.png')
				.times(10)
				.replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
			nock('https://img.example.com').get('/missing.png').times(10).reply(404, 'Not Found');
			nock('https://img.example.com')
				.get('/page.png')
				.times(10)
				.reply(200, `<html>${'x'.repeat(200)}</html>`, { 'content-type': 'text/html' });
			nock('https://img.example.com')
				.get('/huge.png')
				.times(10)
				.reply(200, Buffer.alloc(2 * 1048576 + 10), { 'content-length': String(2 * 1048576 + 10) });
			const urls = [
				'https://closed.example.com/a.png',
				'https://img.example.com/missing.png',
				'https://img.example.com/page.png',
				'https://img.example.com/huge.png',
				'https://127.0.0.1:6379/a.png',
				'https://[::ffff:a9fe:a9fe]/latest/meta-data',
			];
			const h = createHarness({
				params: {
					...BFL_GENERATE_PARAMS,
					imageSource: 'url',
					imageUrl: (i: number) => urls[i],
					options: { maxImageSize: 1 },
				},
				items: urls.map(() => ({ json: {} })),
				credentials: credentials(),
				continueOnFail: true,
			});
			const [out] = await h.run();
			// The item number and the echo of the item's own value ("Received …") aside, every text must be the same.
			const texts = out.map((item) => {
				const error = errorOf(item);
				const message = String(error.message).replace(/ \[item \d+\]$/, '');
				const description = String(error.description).replace(
					/^Received .*?\. Change/,
					'Received <value>. Change',
				);
				return `${message} | ${description} | ${error.httpCode ?? ''}`;
			});
			context.task.meta.figures = `distinct error texts for ${urls.length} failure causes: ${new Set(texts).size}`;
			expect(out.map((item) => errorOf(item).field)).toEqual(urls.map(() => 'Image URL'));
			expect(new Set(texts).size).toBe(1);
			expect(h.requests.filter((r) => r.url.startsWith(BFL_API))).toEqual([]);
		},
	);

	attack(
		FINDING,
		"a name that resolves to loopback is refused when n8n's egress filter is there (n8n 2.x), even with N8N_SSRF_PROTECTION_ENABLED off",
		async () => {
			useVirtualClock();
			allow();
			const real = dnsPromises.lookup.bind(dnsPromises);
			vi.spyOn(dnsPromises, 'lookup').mockImplementation((async (host: string, options: unknown) =>
				host === 'rebind.example.com'
					? [{ address: '127.0.0.1', family: 4 }]
					: await real(host, options as never)) as never);
			const before = trap.connections;
			const job = mockBflJob({ image: fakeImages(1)[0] });
			const h = bflFromUrl(`https://rebind.example.com:${trap.port}/in.png`, {
				n8nEgressFilter: true,
			});
			const [out] = await h.run();
			expect(trap.connections - before).toBe(0);
			expect(h.requests).toEqual([]);
			expect(errorOf(out[0]).field).toBe('Image URL');
			expect(job.submitted()).toBeUndefined();
		},
	);

	attack(
		FINDING,
		"with n8n's egress filter, a public name that resolves to a public address is still fetched",
		async () => {
			useVirtualClock();
			// Every name (the Image URL's, BFL's API, poll and delivery hosts) resolves to a public address.
			vi.spyOn(dnsPromises, 'lookup').mockImplementation((async () => [
				{ address: '93.184.216.34', family: 4 },
			]) as never);
			const ref = makePng(20, 20, 3);
			nock('https://images.example.com')
				.get('/ref.png')
				.reply(200, ref, { 'content-type': 'image/png' });
			const job = mockBflJob();
			const h = bflFromUrl('https://images.example.com/ref.png', {
				continueOnFail: false,
				n8nEgressFilter: true,
			});
			await h.run();
			expect(job.submitted()?.image_prompt).toBe(ref.toString('base64'));
		},
	);

	for (const [what, code] of [
		['NXDOMAIN', 'ENOTFOUND'],
		['SERVFAIL', 'ESERVFAIL'],
		['a lookup timeout', 'ETIMEOUT'],
	] as const) {
		attack(
			INWARD,
			`with n8n's egress filter, a name whose lookup fails (${what}) is refused, not left to n8n's client (fail closed)`,
			async () => {
				useVirtualClock();
				// The attacker's DNS fails the filter's lookup; n8n's client would look the name up again.
				vi.spyOn(dnsPromises, 'lookup').mockImplementation((async (host: string) => {
					throw Object.assign(new Error(`getaddrinfo ${code} ${host}`), { code });
				}) as never);
				nock('https://flaky-dns.example.com')
					.get('/ref.png')
					.reply(200, makePng(20, 20, 4), { 'content-type': 'image/png' });
				const job = mockBflJob();
				const h = bflFromUrl('https://flaky-dns.example.com/ref.png', { n8nEgressFilter: true });
				const [out] = await h.run();
				expect(vi.mocked(dnsPromises.lookup)).toHaveBeenCalled();
				expect(h.requests).toEqual([]);
				expect(errorOf(out[0]).field).toBe('Image URL');
				expect(job.submitted()).toBeUndefined();
			},
		);
	}
});

/**
 * Issue 27, item 3: a public-looking name whose DNS answer is internal. On n8n 1.x (the harness
 * without the egress filter runs n8n 1.x's httpRequest) the node checks the address the socket
 * actually connected to, when the answer's head arrives and before any body byte is read.
 */

describe('names that resolve to internal addresses (n8n 1.x: the connected address is checked)', () => {
	const LOOPBACK_BYTES = makePng(16, 16, 9);

	for (const address of ['127.0.0.1', '10.0.0.5', '169.254.169.254', '::1', '::ffff:127.0.0.1']) {
		attack(
			INWARD,
			`a BFL Image URL on a public-looking name answering ${address}: refused, its bytes never reach BFL`,
			async () => {
				useVirtualClock();
				resolvesTo('images.attacker.example', address);
				nock('https://images.attacker.example')
					.get('/in.png')
					.reply(200, LOOPBACK_BYTES, { 'content-type': 'image/png' });
				const job = mockBflJob();
				const h = bflFromUrl('https://images.attacker.example/in.png');
				const [out] = await h.run();
				expect(errorOf(out[0]).field).toBe('Image URL');
				expect(job.submitted()).toBeUndefined();
				expect(h.requests.filter((r) => r.url.startsWith(BFL_API))).toEqual([]);
			},
		);
	}

	attack(
		INWARD,
		'the same Image URL on a name answering a public address is fetched and sent to BFL',
		async () => {
			useVirtualClock();
			resolvesTo('images.example.com', '93.184.216.34');
			nock('https://images.example.com')
				.get('/in.png')
				.reply(200, LOOPBACK_BYTES, { 'content-type': 'image/png' });
			const job = mockBflJob();
			const h = bflFromUrl('https://images.example.com/in.png', { continueOnFail: false });
			await h.run();
			expect(job.submitted()?.image_prompt).toBe(LOOPBACK_BYTES.toString('base64'));
		},
	);

	attack(
		INWARD,
		'a fal result link, and a CDN redirect, to names answering 169.254.169.254 / 10.0.0.5: not downloaded',
		async () => {
			useVirtualClock();
			resolvesTo('cdn.attacker.example', '169.254.169.254');
			resolvesTo('hop.attacker.example', '10.0.0.5');
			for (const [n, url] of [
				'https://cdn.attacker.example/a.png',
				'https://cdn.example.com/b.png',
			].entries()) {
				completedFalJob(`r-in-${n}`, [url]);
			}
			nock('https://cdn.attacker.example')
				.get('/a.png')
				.times(5)
				.reply(200, LOOPBACK_BYTES, { 'content-type': 'image/png' });
			nock('https://cdn.example.com')
				.get('/b.png')
				.reply(302, '', { location: 'https://hop.attacker.example/b.png' });
			nock('https://hop.attacker.example')
				.get('/b.png')
				.times(5)
				.reply(200, LOOPBACK_BYTES, { 'content-type': 'image/png' });
			const h = createHarness({
				params: { ...GENERATE_PARAMS, prompt: () => 'x' },
				items: [{ json: {} }, { json: {} }],
				credentials: credentials(),
				continueOnFail: true,
			});
			const [out] = await h.run();
			expect(out.map((item) => errorOf(item).kind)).toEqual(['download', 'download']);
			expect(out.every((item) => item.binary === undefined)).toBe(true);
			expect(String(errorOf(out[0]).message)).toMatch(/internal address \(169\.254\.169\.254\)/);
			// Refused at once: not retried like a network failure.
			expect(h.requests.filter((r) => r.url.includes('attacker.example'))).toHaveLength(2);
		},
	);

	attack(
		INWARD,
		'an answer whose connected address cannot be read (a compressed body n8n 1.x wraps) is refused: fail closed',
		async () => {
			useVirtualClock();
			nock('https://images.example.com').get('/in.png').reply(200, gzipSync(LOOPBACK_BYTES), {
				'content-type': 'image/png',
				'content-encoding': 'gzip',
			});
			const job = mockBflJob();
			const h = bflFromUrl('https://images.example.com/in.png');
			const [out] = await h.run();
			expect(errorOf(out[0]).field).toBe('Image URL');
			expect(job.submitted()).toBeUndefined();
		},
	);

	attack(
		INWARD,
		'a presigned upload host answering 10.0.0.7: refused, and no job is paid for',
		async () => {
			useVirtualClock();
			resolvesTo('fal-uploads.attacker.example', '10.0.0.7');
			const h = remixWithUpload('https://fal-uploads.attacker.example/put/1?signature=example');
			nock('https://fal-uploads.attacker.example').put('/put/1').query(true).reply(200, '');
			const [out] = await h.run();
			expect(h.requests.filter((r) => r.url.startsWith(QUEUE))).toEqual([]);
			expect(errorOf(out[0]).kind).toBe('download');
		},
	);

	attack(
		INWARD,
		'over real sockets: a name whose lookup answers 127.0.0.1 reaches the loopback server, and the answer is refused unread',
		async () => {
			const secret = Buffer.from('internal service answer: token=example-dummy');
			let served = 0;
			const server = createHttpServer((_req, res) => {
				served++;
				res.writeHead(200, { 'content-type': 'image/png', 'content-length': secret.length });
				res.end(secret);
			});
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			const port = (server.address() as AddressInfo).port;
			// The attacker's DNS, in test code only: this one name resolves to 127.0.0.1.
			const lookup = (
				host: string,
				options: { all?: boolean },
				callback: (...args: unknown[]) => void,
			) =>
				host === 'inward.attacker.example'
					? options.all
						? callback(null, [{ address: '127.0.0.1', family: 4 }])
						: callback(null, '127.0.0.1', 4)
					: callback(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));
			nock.enableNetConnect((host) => host.startsWith('inward.attacker.example'));
			try {
				const h = createHarness({
					params: GENERATE_PARAMS,
					credentials: credentials(),
					n8n1Agents: { httpAgent: new HttpAgent({ lookup: lookup as never }) },
				});
				const call = {
					method: 'GET' as const,
					url: `http://inward.attacker.example:${port}/in.png`,
					purpose: 'download' as const,
					stream: true,
					manualRedirect: true,
				};
				const provider = { providerName: 'Test', credentialName: 'Test' } as never;
				// Unchecked (as every unsigned fetch was on 07e5b89): the loopback service's bytes arrive.
				const open = await send(h.ctx, provider, call);
				const chunks: Buffer[] = [];
				for await (const chunk of open.stream as AsyncIterable<Buffer>) chunks.push(chunk);
				expect(Buffer.concat(chunks)).toEqual(secret);
				// Checked: the socket's peer is 127.0.0.1, so the answer is refused before its body is read.
				await expect(send(h.ctx, provider, { ...call, peer: {} })).rejects.toMatchObject({
					kind: 'download',
					message: expect.stringMatching(/internal address \(127\.0\.0\.1\)/) as unknown,
				});
				expect(served).toBe(2);
			} finally {
				await new Promise<void>((resolve) => server.close(() => resolve()));
			}
		},
	);
});

describe('behind a proxy (n8n 1.x): the socket peer is the proxy, which is trusted', () => {
	attack(
		INWARD,
		"through n8n's proxy agent the loopback proxy is not refused; the same loopback peer without one is",
		async () => {
			// Real sockets, without nock's interception (it would replace the request's agent).
			nock.restore();
			const image = makePng(12, 12, 2);
			let served = 0;
			// A forward proxy on loopback that answers for the target itself.
			const proxy = createHttpServer((_req, res) => {
				served++;
				res.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length });
				res.end(image);
			});
			await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
			const port = (proxy.address() as AddressInfo).port;
			/** As http-proxy-agent (n8n 1.x's for HTTP_PROXY): connects to the proxy, carries `proxy`. */
			class ProxyAgent extends HttpAgent {
				readonly proxy = new URL(`http://127.0.0.1:${port}`);
				createConnection(): NetSocket {
					return netConnect(port, '127.0.0.1');
				}
			}
			/** No proxy: the same loopback socket, as a name whose DNS answer is 127.0.0.1 gives. */
			class DirectAgent extends HttpAgent {
				createConnection(): NetSocket {
					return netConnect(port, '127.0.0.1');
				}
			}
			try {
				const provider = { providerName: 'Test', credentialName: 'Test' } as never;
				const call = {
					method: 'GET' as const,
					url: 'http://images.example.com/ref.png',
					purpose: 'download' as const,
					stream: true,
					manualRedirect: true,
					peer: {},
				};
				const viaProxy = createHarness({
					params: GENERATE_PARAMS,
					n8n1Agents: { httpAgent: new ProxyAgent() },
				});
				const answer = await send(viaProxy.ctx, provider, call);
				const chunks: Buffer[] = [];
				for await (const chunk of answer.stream as AsyncIterable<Buffer>) chunks.push(chunk);
				expect(Buffer.concat(chunks)).toEqual(image);
				const direct = createHarness({
					params: GENERATE_PARAMS,
					n8n1Agents: { httpAgent: new DirectAgent() },
				});
				await expect(send(direct.ctx, provider, call)).rejects.toMatchObject({
					kind: 'download',
				});
				expect(served).toBe(2);
			} finally {
				nock.activate();
				await new Promise<void>((resolve) => proxy.close(() => resolve()));
			}
		},
	);
});

/** Issue 27, item 5: the BFL key goes only to BFL's API hosts on 443, and never around a proxy. */
const BFL_HOSTS = '27.5 BFL key hosts';

describe('the BFL key goes only to BFL API hosts', () => {
	const getResult = (polling: string, over: { bfl?: string } = {}) => ({
		params: {
			provider: 'bfl',
			operation: 'getResult',
			requestId: 'task-1',
			jobLinks: { polling },
			options: {},
		},
		credentials: credentials(over),
		continueOnFail: true,
	});

	for (const link of [
		'https://docs.bfl.ai/v1/get_result?id=task-1',
		'https://cdn-logs.bfl.ai/v1/get_result?id=task-1',
		'https://api.bfl.ai:8443/v1/get_result?id=task-1',
		'https://delivery-us1.bfl.ai/v1/get_result?id=task-1',
		'https://api.bfl.ai.example.com/v1/get_result?id=task-1',
	]) {
		attack(
			BFL_HOSTS,
			`Get Result with a polling link on ${new URL(link).host} sends no key`,
			async () => {
				useVirtualClock();
				nock(new URL(link).origin)
					.get('/v1/get_result')
					.query(true)
					.reply(200, { id: 'task-1', status: 'Pending' });
				const h = createHarness(getResult(link));
				const [out] = await h.run();
				expect(h.requests.filter((r) => JSON.stringify(r.headers).includes(DUMMY_BFL_KEY))).toEqual(
					[],
				);
				expect(h.requests).toEqual([]);
				expect(errorOf(out[0]).field).toBe('Job Links');
			},
		);
	}

	attack(
		BFL_HOSTS,
		"BFL's regional API hosts still get the key (api.us1, api.eu, api.eu2)",
		async () => {
			useVirtualClock();
			for (const host of [
				'https://api.us1.bfl.ai',
				'https://api.eu.bfl.ai',
				'https://api.eu2.bfl.ai',
			])
				nock(host)
					.get('/v1/get_result')
					.query(true)
					.reply(200, { id: 'task-1', status: 'Pending' });
			for (const host of [
				'https://api.us1.bfl.ai',
				'https://api.eu.bfl.ai',
				'https://api.eu2.bfl.ai',
			]) {
				const h = createHarness(getResult(`${host}/v1/get_result?id=task-1`));
				const [out] = await h.run();
				expect(h.requests.map((r) => [r.url, r.headers['x-key']])).toEqual([
					[`${host}/v1/get_result?id=task-1`, DUMMY_BFL_KEY],
				]);
				expect(out[0].json.status).toBe('running');
			}
		},
	);

	attack(
		BFL_HOSTS,
		'with a proxy as API Base URL, a polling link on a BFL host follows the proxy: the key never goes to BFL directly',
		async () => {
			useVirtualClock();
			const proxy = 'https://bfl-proxy.example.com/bfl';
			const id = 'task-proxied';
			nock('https://bfl-proxy.example.com')
				.post('/bfl/v1/flux-pro-1.1-ultra')
				.reply(200, { id, polling_url: `https://api.us1.bfl.ai/v1/get_result?id=${id}`, cost: 6 })
				.get('/bfl/v1/get_result')
				.query({ id })
				.reply(200, {
					id,
					status: 'Ready',
					result: { sample: `${BFL_DELIVERY_HOST}/results/${id}/sample.jpeg?sig=example`, seed: 1 },
				});
			nock('https://api.us1.bfl.ai')
				.get('/v1/get_result')
				.query(true)
				.reply(200, { id, status: 'Pending' });
			nock(BFL_DELIVERY_HOST)
				.get(`/results/${id}/sample.jpeg`)
				.query(true)
				.reply(200, fakeImages(1)[0].bytes, { 'content-type': 'image/jpeg' });
			const h = createHarness({
				params: BFL_GENERATE_PARAMS,
				credentials: credentials({ bfl: proxy }),
				continueOnFail: true,
			});
			const [out] = await h.run();
			const keyed = h.requests.filter((r) => r.headers['x-key'] === DUMMY_BFL_KEY);
			expect(keyed.map((r) => new URL(r.url).host)).toEqual([
				'bfl-proxy.example.com',
				'bfl-proxy.example.com',
			]);
			expect(keyed[1].url).toBe(`${proxy}/v1/get_result?id=${id}`);
			expect(out[0].json.error).toBeUndefined();
			expect(out[0].binary).toBeDefined();
		},
	);

	attack(
		BFL_HOSTS,
		'Get Result with a proxy as API Base URL: a BFL polling link from an item goes through the proxy',
		async () => {
			useVirtualClock();
			const proxy = 'https://bfl-proxy.example.com';
			nock(proxy)
				.get('/v1/get_result')
				.query({ id: 'task-1' })
				.reply(200, { id: 'task-1', status: 'Pending' });
			nock('https://api.eu1.bfl.ai')
				.get('/v1/get_result')
				.query(true)
				.reply(200, { id: 'task-1', status: 'Pending' });
			const h = createHarness(
				getResult('https://api.eu1.bfl.ai/v1/get_result?id=task-1', { bfl: proxy }),
			);
			await h.run();
			expect(h.requests.map((r) => r.url)).toEqual([`${proxy}/v1/get_result?id=task-1`]);
		},
	);
});

/** Issue 27, item 6: a credential's Test request never carries the key over plain http to a public host. */
const CREDENTIAL_TESTS = '27.6 credential tests over http';

describe("credential Test requests (n8n's own credential-test path)", () => {
	attack(
		CREDENTIAL_TESTS,
		'a plain-http API Base URL on a public host: the Test of each of the 4 credentials sends nothing, the key goes nowhere',
		async (context) => {
			const sent: string[] = [];
			for (const method of ['GET', 'POST'])
				nock('http://api-proxy.example.com')
					.persist()
					.intercept(/.*/, method)
					.query(true)
					.reply(function () {
						sent.push(JSON.stringify(this.req.headers));
						return [200, {}];
					});
			const cases = [
				[new FalApi(), { apiKey: DUMMY_FAL_KEY }],
				[new RunflowApi(), { apiKey: DUMMY_RUNFLOW_KEY }],
				[new BflApi(), { apiKey: DUMMY_BFL_KEY, region: 'global' }],
				[new ReplicateApi(), { apiKey: DUMMY_REPLICATE_KEY }],
			] as const;
			let refused = 0;
			for (const [credential, data] of cases) {
				await runCredentialTest(
					credential,
					{ ...data, baseUrl: 'http://api-proxy.example.com' },
					[],
				).catch(() => refused++);
			}
			context.task.meta.figures = `requests that reached the plain-http host: ${sent.length}; tests refused: ${refused}/4`;
			expect(sent).toEqual([]);
			expect(refused).toBe(4);
		},
	);
});
