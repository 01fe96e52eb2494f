import { startMockBfl } from './mocks/bflServer';
import { startMockFal } from './mocks/falServer';
import { startMockReplicate } from './mocks/replicateServer';
import { startMockRunflow } from './mocks/runflowServer';
import type { ProviderLogin } from './n8n';

/** One provider as a command line reaches it. */
export interface ProviderAccess<Mock> {
	/** The provider's name in messages. */
	name: string;
	/** The environment variable that holds its key. */
	env: string;
	/** What its credential holds: the key and the real service (no base URL), or a dummy key and the mock. */
	login: ProviderLogin;
	/** Its loopback mock, when no key is set. */
	mock?: Mock;
}

/**
 * The four providers for the command lines that run the node (npm run demo, demo:quick, dev): each
 * one its real, billed service when its key is set in the environment (a blank one counts as unset),
 * else its loopback mock with `latencyMs` per job. `tag` goes into the dummy keys (`demo`, `dev`).
 */
export async function providerAccess(
	tag: string,
	latencyMs: number,
	/** More options for the fal.ai mock (the demo's out-of-credit brief). */
	falMock: Omit<Parameters<typeof startMockFal>[0], 'latencyMs'> = {},
) {
	async function one<Mock extends { url: string; close(): Promise<void> }>(
		name: string,
		env: string,
		dummyKey: string,
		start: (options: { latencyMs: number }) => Promise<Mock>,
	): Promise<ProviderAccess<Mock>> {
		const apiKey = process.env[env]?.trim();
		if (apiKey) return { name, env, login: { apiKey, baseUrl: '' } };
		const mock = await start({ latencyMs });
		return { name, env, login: { apiKey: dummyKey, baseUrl: mock.url }, mock };
	}
	const fal = await one('fal.ai', 'FAL_KEY', `${tag}-dummy-key`, (options) =>
		startMockFal({ ...falMock, ...options }),
	);
	const runflow = await one('Runflow', 'RUNFLOW_KEY', `rf_live_${tag}_dummy`, startMockRunflow);
	const bfl = await one('Black Forest Labs', 'BFL_API_KEY', `bfl-${tag}-dummy`, startMockBfl);
	const replicate = await one(
		'Replicate',
		'REPLICATE_API_TOKEN',
		`r8_${tag}_dummy`,
		startMockReplicate,
	);
	const all = [fal, runflow, bfl, replicate];
	return {
		fal,
		runflow,
		bfl,
		replicate,
		/** A line per provider: its real service, or its mock's URL and the variable that would switch it. */
		lines: () =>
			all.map((p) =>
				p.mock
					? `${p.name}: mock on ${p.mock.url} (set ${p.env} for the real service)`
					: `${p.name}: real service (${p.env} is set; billed)`,
			),
		/** The variables not set: the providers that run on their mocks. */
		mocked: () => all.filter((p) => p.mock).map((p) => p.env),
		async close() {
			for (const p of all) await p.mock?.close();
		},
	};
}
