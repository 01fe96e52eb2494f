/**
 * `npm run mocks`: the four mock providers (fal.ai, Runflow, Black Forest Labs, Replicate) for your
 * own n8n, so the node can be tried in the editor without a key and without cost. It prints each
 * mock's API Base URL to paste into that provider's credential (any API key will do), and serves
 * until Ctrl+C.
 *
 * The mocks listen on 127.0.0.1 only: an n8n on the same computer reaches them (one in Docker does
 * not: its 127.0.0.1 is the container). Their jobs take about 2 s; their images are colour gradients
 * labelled with the prompt, provider, operation, aspect ratio and seed; they bill nothing.
 *
 * Environment: MOCKS_PORT, the first of four ports in a row (default 5790: fal.ai 5790, Runflow
 * 5791, BFL 5792, Replicate 5793, so a credential saved once keeps working); 0 picks free ports.
 * MOCKS_LATENCY_MS (default 2000).
 */
import { startMockBfl } from '../testkit/mocks/bflServer';
import { startMockFal } from '../testkit/mocks/falServer';
import { startMockReplicate } from '../testkit/mocks/replicateServer';
import { startMockRunflow } from '../testkit/mocks/runflowServer';

const first = Number(process.env.MOCKS_PORT ?? 5790);
const latencyMs = Number(process.env.MOCKS_LATENCY_MS ?? 2000);
const port = (n: number) => (first === 0 ? 0 : first + n);

async function main() {
	if (!Number.isInteger(first) || first < 0 || first > 65532)
		throw new Error(`MOCKS_PORT must be a port number (0 for free ports), not "${first}"`);
	// In this order on MOCKS_PORT and the three ports after it.
	const providers = [
		{ credential: 'fal.ai API', start: startMockFal },
		{ credential: 'Runflow API', start: startMockRunflow },
		{ credential: 'Black Forest Labs API', start: startMockBfl },
		{ credential: 'Replicate API', start: startMockReplicate },
	];
	const mocks: Array<{ credential: string; mock: { url: string; close(): Promise<void> } }> = [];
	for (const [n, { credential, start }] of providers.entries())
		mocks.push({ credential, mock: await start({ latencyMs, port: port(n) }) });
	const width = Math.max(...mocks.map((m) => m.credential.length));
	console.log(
		[
			'Mock providers are running on this computer: no key, no cost.',
			'In n8n, create the credential of the provider you want to try, type any API key (e.g. dummy),',
			'and paste its API Base URL:',
			'',
			...mocks.map((m) => `  ${m.credential.padEnd(width)}   API Base URL: ${m.mock.url}`),
			'',
			'Jobs take about 2 s; the images are colour gradients labelled with your prompt. The run’s cost',
			'hint says "Estimate, not a charge". An n8n in Docker cannot reach 127.0.0.1 on this computer.',
			'Ctrl+C stops the mocks.',
		].join('\n'),
	);
	const stop = () => {
		void Promise.all(mocks.map((m) => m.mock.close())).then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error: Error) => {
	console.error(
		`npm run mocks failed: ${error.message}${/EADDRINUSE/.test(error.message) ? ' (a port is taken: set MOCKS_PORT to another first port, or 0 for free ports)' : ''}`,
	);
	process.exitCode = 1;
});
