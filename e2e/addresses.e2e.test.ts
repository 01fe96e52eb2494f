import { createServer, type AddressInfo, type Server } from 'node:net';

import { beforeAll, describe, expect, it } from 'vitest';

import { startMockBfl, type MockBfl } from '../testkit/mocks/bflServer';
import { errorOf } from '../testkit/harness/errorItems';
import { e2eHosts } from '../testkit/n8n';
import { codeNode, e2eN8n, fluxNode, rowWorkflow, SETUP_TIMEOUT, startNode } from './fixture';

/**
 * Issue 18, finding 3 in a real n8n (package installed from its tarball): a BFL Image URL on
 * loopback is refused before any connection, though the credential's own base URL is a loopback
 * mock; a public name goes through n8n's egress filter (n8n 2.x) and fails like any other link, in
 * the same text.
 */

describe.each(e2eHosts())('no fetch from an internal address in a real n8n (%s)', (hostName) => {
	const n8n = e2eN8n(hostName);
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
		n8n.onClose(() => new Promise<void>((resolve) => server.close(() => resolve())));
		await n8n.install();
		bfl = await n8n.mock(startMockBfl({ latencyMs: 100, scale: 0.05 }));
		await n8n.importCredentials([
			{
				id: 'bflApiAddr001',
				name: 'BFL account',
				type: 'bflApi',
				data: { apiKey: 'bfl-dummy-e2e', region: 'global', baseUrl: bfl.url },
			},
		]);
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
					{
						provider: 'bfl',
						prompt: 'x',
						imageSource: 'url',
						imageUrl: '={{ $json.url }}',
					},
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
