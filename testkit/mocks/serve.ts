/**
 * Runs a mock provider in its own process (for the benchmark, so the mock's CPU does not count as
 * the node's): `tsx testkit/mocks/serve.ts '{"latencyMs":2000,"imagePool":4}'` prints
 * `READY <url>` and serves until killed.
 */
import { startMockFal, type MockFalOptions } from './falServer';

const options = JSON.parse(process.argv[2] ?? '{}') as MockFalOptions;
void startMockFal(options).then((mock) => {
	process.stdout.write(`READY ${mock.url}\n`);
	const stop = () => void mock.close().then(() => process.exit(0));
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
});
