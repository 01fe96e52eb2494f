import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startMockBfl, type MockBfl } from '../testkit/mocks/bflServer';
import { errorOf } from '../testkit/harness/errorItems';
import { makePng } from '../testkit/mocks/images';
import {
	createInstance,
	e2eHosts,
	firstJsonObject,
	jsonFile,
	n8nHost,
	packPackage,
	workflowNode,
	type N8nInstance,
} from '../testkit/n8n';

/**
 * Issue 18, finding 3 in a real n8n (package installed from its tarball): a BFL Image URL on
 * loopback is refused before any connection, though the credential's own base URL is a loopback
 * mock; a public name goes through n8n's egress filter (n8n 2.x) and fails like any other link, in
 * the same text.
 */

interface TaskRun {
	data?: { main: Array<Array<{ json: Record<string, unknown>; pairedItem?: unknown }> | null> };
	error?: { message?: string };
}

describe.each(e2eHosts())('no fetch from an internal address in a real n8n (%s)', (hostName) => {
	let instance: N8nInstance;
	let bfl: MockBfl;
	let trap: { server: Server; port: number; connections: number };

	beforeAll(async () => {
		const server = createServer((socket) => {
			trap.connections++;
			socket.destroy();
		});
		await new Promise<void>((resolve) =>
			server.listen({ port: 0, host: '::', ipv6Only: false }, resolve),
		);
		trap = { server, port: (server.address() as AddressInfo).port, connections: 0 };
		instance = createInstance(
			n8nHost(hostName),
			packPackage(mkdtempSync(join(tmpdir(), 'flux-pack-'))),
		);
		bfl = await startMockBfl({ latencyMs: 100, scale: 0.05 });
		await instance.cli([
			'import:credentials',
			`--input=${jsonFile(instance, 'credentials.json', [{ id: 'bflApiAddr001', name: 'BFL account', type: 'bflApi', data: { apiKey: 'bfl-dummy-e2e', region: 'global', baseUrl: bfl.url } }])}`,
		]);
		const urls = [
			`https://[::ffff:127.0.0.1]:${trap.port}/in.png`,
			`https://127.0.0.1:${trap.port}/in.png`,
			`https://localhost.:${trap.port}/in.png`,
			'https://images.example.invalid/in.png',
		];
		const wf = {
			id: 'addresses01',
			name: 'e2e: addresses',
			nodes: [
				workflowNode('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
				workflowNode('Links', 'n8n-nodes-base.code', 2, 220, {
					jsCode: `return ${JSON.stringify(urls)}.map((url) => ({ json: { url } }));`,
				}),
				workflowNode(
					'FLUX 1.1 Ultra',
					'n8n-nodes-flux-ultra.fluxUltra',
					1,
					440,
					{
						provider: 'bfl',
						operation: 'generate',
						prompt: 'x',
						imageSource: 'url',
						imageUrl: '={{ $json.url }}',
						aspectRatio: '1:1',
						numImages: 1,
						outputFormat: 'png',
					},
					{
						onError: 'continueRegularOutput',
						credentials: { bflApi: { id: 'bflApiAddr001', name: 'BFL account' } },
					},
				),
			],
			connections: {
				Start: { main: [[{ node: 'Links', type: 'main', index: 0 }]] },
				Links: { main: [[{ node: 'FLUX 1.1 Ultra', type: 'main', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
			pinData: {},
		};
		await instance.cli([
			'import:workflow',
			`--input=${jsonFile(instance, 'wf-addresses.json', wf)}`,
		]);
	}, 45 * 60_000);

	afterAll(async () => {
		await bfl?.close();
		await new Promise<void>((resolve) => (trap ? trap.server.close(() => resolve()) : resolve()));
	});

	it('a BFL Image URL on loopback (3 spellings) and an unresolvable public name: 0 connections, 0 jobs, one error text', async ({
		task,
	}) => {
		const before = { ...bfl.counts };
		const stdout = await instance
			.cli(['execute', '--id=addresses01', '--rawOutput'])
			.catch((error: Error & { stdout?: string }) => error.stdout ?? '');
		const run = firstJsonObject(stdout) as {
			data: { resultData: { runData: Record<string, TaskRun[]> } };
		};
		const items = run.data.resultData.runData['FLUX 1.1 Ultra'][0].data!.main[0]!;
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
		let instance: N8nInstance;
		let bfl: MockBfl;
		let service: { server: TlsServer; port: number; requests: number };
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
			await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
			service = { server, port: (server.address() as AddressInfo).port, requests: 0 };
			instance = createInstance(
				n8nHost(hostName),
				packPackage(mkdtempSync(join(tmpdir(), 'flux-pack-'))),
				{
					NODE_OPTIONS: `--require ${resolve('testkit/resolveInward.cjs')}`,
					FLUX_E2E_INWARD_NAME: INWARD_NAME,
					NODE_EXTRA_CA_CERTS: join(fixtures, 'inward-tls.cert.pem'),
				},
			);
			bfl = await startMockBfl({ latencyMs: 100, scale: 0.05 });
			await instance.cli([
				'import:credentials',
				`--input=${jsonFile(instance, 'credentials.json', [{ id: 'bflApiInward01', name: 'BFL account', type: 'bflApi', data: { apiKey: 'bfl-dummy-e2e', region: 'global', baseUrl: bfl.url } }])}`,
			]);
			const wf = {
				id: 'inward01',
				name: 'e2e: a name resolving inward',
				nodes: [
					workflowNode('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
					workflowNode(
						'FLUX 1.1 Ultra',
						'n8n-nodes-flux-ultra.fluxUltra',
						1,
						220,
						{
							provider: 'bfl',
							operation: 'generate',
							prompt: 'x',
							imageSource: 'url',
							imageUrl: `https://${INWARD_NAME}:${service.port}/in.png`,
							aspectRatio: '1:1',
							numImages: 1,
							outputFormat: 'png',
						},
						{
							onError: 'continueRegularOutput',
							credentials: { bflApi: { id: 'bflApiInward01', name: 'BFL account' } },
						},
					),
				],
				connections: { Start: { main: [[{ node: 'FLUX 1.1 Ultra', type: 'main', index: 0 }]] } },
				settings: { executionOrder: 'v1' },
				pinData: {},
			};
			await instance.cli([
				'import:workflow',
				`--input=${jsonFile(instance, 'wf-inward.json', wf)}`,
			]);
		}, 45 * 60_000);

		afterAll(async () => {
			await bfl?.close();
			await new Promise<void>((done) => (service ? service.server.close(() => done()) : done()));
		});

		it("the Image URL is refused as the item's error, and BFL gets no job and no byte of it", async ({
			task,
		}) => {
			const before = { ...bfl.counts };
			const stdout = await instance
				.cli(['execute', '--id=inward01', '--rawOutput'])
				.catch((error: Error & { stdout?: string }) => error.stdout ?? '');
			const run = firstJsonObject(stdout) as {
				data: { resultData: { runData: Record<string, TaskRun[]> } };
			};
			const items = run.data.resultData.runData['FLUX 1.1 Ultra'][0].data!.main[0]!;
			expect(items).toHaveLength(1);
			expect(errorOf(items[0]).field).toBe('Image URL');
			expect(bfl.counts).toEqual(before);
			expect(JSON.stringify(items)).not.toContain(secretImage.toString('base64').slice(0, 40));
			task.meta.figures = `${hostName}: Image URL on ${INWARD_NAME} (→ 127.0.0.1) refused; requests the loopback service answered: ${service.requests}; BFL requests: 0`;
		});
	},
);
