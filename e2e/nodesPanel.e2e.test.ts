import { beforeAll, describe, expect, it } from 'vitest';

import { MODELS } from '../nodes/FluxUltra/parameters/models';
import { setUpOwner } from '../scripts/editor';
import { e2eHosts } from '../testkit/n8n';
import { e2eN8n, SETUP_TIMEOUT } from './fixture';

/**
 * What the editor's nodes panel searches, as a running n8n serves it: the node types it sends the
 * editor (`/types/nodes.json`, after the owner signs in). n8n's node creator matches the words a
 * user types against a node's display name and its codex aliases (the `alias` list of
 * FluxUltra.node.json, which n8n's loader copies into the description), so each word the issue
 * names must be in one of them, and the Model field must offer every declared model.
 */

const NODE_TYPE = 'n8n-nodes-flux-ultra.fluxUltra';
const SEARCHES = ['FLUX', 'FLUX.2', 'FLUX 3', 'Ultra', 'Black Forest Labs'];

interface ServedNode {
	name: string;
	displayName: string;
	codex?: { alias?: string[] };
	properties: Array<{ name: string; options?: Array<{ value: unknown }> }>;
}

describe.each(e2eHosts())("the nodes panel's search in a running n8n (%s)", (hostName) => {
	const n8n = e2eN8n(hostName);
	let served: ServedNode[];

	beforeAll(async () => {
		await n8n.install({ server: true });
		await n8n.start();
		const url = `http://127.0.0.1:${n8n.port}`;
		const login = await setUpOwner(url);
		const browserId = 'e2e-dummy-browser-id';
		const signIn = await fetch(`${url}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': browserId },
			body: JSON.stringify({
				emailOrLdapLoginId: login.email,
				email: login.email,
				password: login.password,
			}),
		});
		expect(signIn.status).toBe(200);
		const cookie = (signIn.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
		const types = await fetch(`${url}/types/nodes.json`, {
			headers: { cookie, 'browser-id': browserId },
		});
		expect(types.status).toBe(200);
		served = (await types.json()) as ServedNode[];
	}, SETUP_TIMEOUT);

	it(`finds the node for ${SEARCHES.map((s) => `"${s}"`).join(', ')}, and its Model field offers every model`, ({
		task,
	}) => {
		const versions = served.filter((n) => n.name === NODE_TYPE);
		expect(versions.length).toBeGreaterThan(0);
		for (const node of versions) {
			const words = [node.displayName, ...(node.codex?.alias ?? [])].map((w) => w.toLowerCase());
			for (const search of SEARCHES)
				expect(
					words.some((w) => w.includes(search.toLowerCase())),
					`"${search}" in ${JSON.stringify(words)}`,
				).toBe(true);
		}
		const latest = versions.find((n) => n.properties.some((p) => p.name === 'model'));
		expect(latest, 'a version with the Model field').toBeDefined();
		const offered = latest!.properties
			.filter((p) => p.name === 'model')
			.flatMap((p) => (p.options ?? []).map((o) => o.value));
		expect(new Set(offered)).toEqual(new Set(MODELS.map((m) => m.id)));
		task.meta.figures = `${hostName}: ${served.length} node types served; ours in ${versions.length} description(s), aliases ${JSON.stringify(versions[0].codex?.alias)}; Model offers ${new Set(offered).size} models`;
	});
});
