import { readFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:https';
import { createServer, type AddressInfo, type ListenOptions, type Server } from 'node:net';
import { join, resolve } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { startMockBfl, type MockBfl } from '../testkit/mocks/bflServer';
import { errorOf } from '../testkit/harness/errorItems';
import { makePng } from '../testkit/mocks/images';
import { e2eHosts } from '../testkit/n8n';
import {
	codeNode,
	credential,
	e2eN8n,
	fluxNode,
	rowWorkflow,
	SETUP_TIMEOUT,
	startNode,
	type N8nFixture,
} from './fixture';

/**
 * Issue 18, finding 3 in a real n8n (package installed from its tarball): a BFL Image URL on
 * loopback is refused before any connection, though the credential's own base URL is a loopback
 * mock; a public name goes through n8n's egress filter (n8n 2.x) and fails like any other link, in
 * the same text.
 */

/** `server` listening as `options` say, closed after the block's tests; its port. */
async function listen(n8n: N8nFixture, server: Server, options: ListenOptions): Promise<number> {
	await new Promise<void>((done) => server.listen(options, done));
	n8n.onClose(async () => await new Promise<void>((done) => server.close(() => done())));
	return (server.address() as AddressInfo).port;
}

/** The BFL mock, and the credential `id` (BFL account) pointed at it. */
async function mockBfl(n8n: N8nFixture, id: string): Promise<MockBfl> {
	const bfl = await n8n.mock(startMockBfl({ latencyMs: 100, scale: 0.05 }));
	await n8n.importCredentials([
		credential('bflApi', id, 'BFL account', {
			apiKey: 'bfl-dummy-e2e',
			region: 'global',
			baseUrl: bfl.url,
		}),
	]);
	return bfl;
}

describe.each(e2eHosts())('no fetch from an internal address in a real n8n (%s)', (hostName) => {
	const n8n = e2eN8n(hostName);
	let bfl: MockBfl;
	let trap: { port: number; connections: number };

	beforeAll(async () => {
		const server = createServer((socket) => {
			trap.connections++;
			socket.destroy();
		});
		trap = {
			port: await listen(n8n, server, { port: 0, host: '::', ipv6Only: false }),
			connections: 0,
		};
		await n8n.install();
		bfl = await mockBfl(n8n, 'bflApiAddr001');
		const urls = [
			`https://[::ffff:127.0.0.1]:${trap.port}/in.png`,
			`https://127.0.0.1:${trap.port}/in.png`,
			`https://localhost.:${trap.port}/in.png`,
			'https://images.example.invalid/in.png',
		];
		await n8n.importWorkflows(
			rowWorkflow('addresses01', 'e2e: addresses', [
				startNode(),
				codeNode('Links', `return ${JSON.stringify(urls)}.map((url) => ({ json: { url } }));`),
				fluxNode(
					'FLUX 1.1 Ultra',
					440,
					{ provider: 'bfl', prompt: 'x', imageSource: 'url', imageUrl: '={{ $json.url }}' },
					{
						onError: 'continueRegularOutput',
						credentials: { bflApi: { id: 'bflApiAddr001', name: 'BFL account' } },
					},
				),
			]),
		);
	}, SETUP_TIMEOUT);

	it('a BFL Image URL on loopback (3 spellings) and an unresolvable public name: 0 connections, 0 jobs, one error text', async ({
		task,
	}) => {
		const before = { ...bfl.counts };
		const runs = await n8n.executeRaw('addresses01');
		const items = runs['FLUX 1.1 Ultra'].data!.main[0]!;
		expect(items.map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
			{ item: 3 },
		]);
		expect(items.map((i) => errorOf(i).field)).toEqual([
			'Image URL',
			'Image URL',
			'Image URL',
			'Image URL',
		]);
		const texts = new Set(
			items.map((i) => String(errorOf(i).message).replace(/ \[item \d+\]$/, '')),
		);
		expect(texts.size).toBe(1);
		expect(trap.connections).toBe(0);
		expect(bfl.counts).toEqual(before);
		task.meta.figures = `${hostName}: 4 Image URLs refused in place, loopback connections ${trap.connections}, BFL requests ${JSON.stringify(bfl.counts) === JSON.stringify(before) ? 0 : 'some'}; "${[...texts][0]}"`;
	});
});

/**
 * Issue 27, item 3 in a real n8n: an Image URL on a public-looking name whose DNS answer is
 * 127.0.0.1 (an attacker's DNS, modelled by a test-only preload, testkit/resolveInward.cjs) is
 * refused, and the loopback service's bytes never reach BFL. n8n 2.x refuses before connecting (its
 * egress filter resolves the name); n8n 1.x connects (TLS, a certificate the test makes n8n trust),
 * and the node refuses the answer at its head, from the socket's peer address, before reading it.
 */
const INWARD_NAME = 'inward.flux-e2e.example';

describe.each(e2eHosts())(
	'a name that resolves to 127.0.0.1 is refused in a real n8n (%s)',
	(hostName) => {
		const n8n = e2eN8n(hostName);
		let bfl: MockBfl;
		let service: { port: number; requests: number };
		const secretImage = makePng(24, 24, 5);

		beforeAll(async () => {
			const fixtures = resolve('testkit/fixtures');
			const server = createTlsServer(
				{
					key: readFileSync(join(fixtures, 'inward-tls.key.pem')),
					cert: readFileSync(join(fixtures, 'inward-tls.cert.pem')),
				},
				(_req, res) => {
					service.requests++;
					res.writeHead(200, { 'content-type': 'image/png' });
					res.end(secretImage);
				},
			);
			service = { port: await listen(n8n, server, { port: 0, host: '127.0.0.1' }), requests: 0 };
			await n8n.install({
				env: {
					NODE_OPTIONS: `--require ${resolve('testkit/resolveInward.cjs')}`,
					FLUX_E2E_INWARD_NAME: INWARD_NAME,
					NODE_EXTRA_CA_CERTS: join(fixtures, 'inward-tls.cert.pem'),
				},
			});
			bfl = await mockBfl(n8n, 'bflApiInward01');
			await n8n.importWorkflows(
				rowWorkflow('inward01', 'e2e: a name resolving inward', [
					startNode(),
					fluxNode(
						'FLUX 1.1 Ultra',
						220,
						{
							provider: 'bfl',
							prompt: 'x',
							imageSource: 'url',
							imageUrl: `https://${INWARD_NAME}:${service.port}/in.png`,
						},
						{
							onError: 'continueRegularOutput',
							credentials: { bflApi: { id: 'bflApiInward01', name: 'BFL account' } },
						},
					),
				]),
			);
		}, SETUP_TIMEOUT);

		it("the Image URL is refused as the item's error, and BFL gets no job and no byte of it", async ({
			task,
		}) => {
			const before = { ...bfl.counts };
			const runs = await n8n.executeRaw('inward01');
			const items = runs['FLUX 1.1 Ultra'].data!.main[0]!;
			expect(items).toHaveLength(1);
			expect(errorOf(items[0]).field).toBe('Image URL');
			expect(bfl.counts).toEqual(before);
			expect(JSON.stringify(items)).not.toContain(secretImage.toString('base64').slice(0, 40));
			task.meta.figures = `${hostName}: Image URL on ${INWARD_NAME} (→ 127.0.0.1) refused; requests the loopback service answered: ${service.requests}; BFL requests: 0`;
		});
	},
);
