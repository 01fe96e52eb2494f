/**
 * `npm run demo`: the README's example workflows, run by a real n8n (2.x on Node 24, installed on
 * first use into a cache: a few minutes once), with the package installed from its npm tarball as a
 * community node. Every image the FLUX nodes produce is written to ./demo-output.
 *
 * Each provider runs against its loopback mock server (real HTTP, real PNG/JPEG files of Ultra's
 * sizes, no cost) unless its key is set: FAL_KEY calls fal.ai for real (9 images, about $0.54),
 * RUNFLOW_KEY calls Runflow (4 images, about $0.24), BFL_API_KEY calls Black Forest Labs (8 images,
 * about $0.48), REPLICATE_API_TOKEN calls Replicate (6 images, about $0.36).
 *
 * The AI Agent example's chat model is a loopback fake of OpenAI's chat completions (one tool call,
 * then an answer quoting the image link) unless OPENAI_API_KEY is set.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startFakeOpenAi, type FakeOpenAi } from '../testkit/fakeOpenAi';
import { binaryBytes, createInstance, execute, importExamples, n8nHost, packPackage } from '../testkit/n8n';
import { startMockBfl, type MockBfl } from '../testkit/mocks/bflServer';
import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { startMockReplicate, type MockReplicate } from '../testkit/mocks/replicateServer';
import { startMockRunflow, type MockRunflow } from '../testkit/mocks/runflowServer';
import { clearOwnImages, demoOutputDir } from './demo-output';

const outDir = demoOutputDir('demo-output');
const falKey = process.env.FAL_KEY?.trim();
const runflowKey = process.env.RUNFLOW_KEY?.trim();
const bflKey = process.env.BFL_API_KEY?.trim();
const replicateKey = process.env.REPLICATE_API_TOKEN?.trim();
const openAiKey = process.env.OPENAI_API_KEY?.trim();

async function main() {
	const started = Date.now();
	const host = n8nHost(process.env.N8N_HOST_NAME);
	console.log(`n8n ${host.version} on Node 24 (${host.name}, cached in ${host.dir})`);
	// The tarball and n8n's user folder live in one scratch folder, removed when the demo ends.
	const scratch = mkdtempSync(join(tmpdir(), 'flux-demo-'));
	const instance = createInstance(host, packPackage(join(scratch, 'pack')), {}, { userFolder: join(scratch, 'user') });

	let falMock: MockFal | undefined;
	let runflowMock: MockRunflow | undefined;
	let bflMock: MockBfl | undefined;
	let replicateMock: MockReplicate | undefined;
	if (!falKey) falMock = await startMockFal({ latencyMs: 1500 });
	if (!runflowKey) runflowMock = await startMockRunflow({ latencyMs: 1500 });
	if (!bflKey) bflMock = await startMockBfl({ latencyMs: 1500 });
	if (!replicateKey) replicateMock = await startMockReplicate({ latencyMs: 1500 });
	let openAiFake: FakeOpenAi | undefined;
	if (!openAiKey) openAiFake = await startFakeOpenAi({ toolName: 'Generate_image', prompt: 'Autumn coffee range hero shot: three cups on an oak table, maple leaves, golden-hour light' });
	console.log(falKey ? 'fal.ai: real service (FAL_KEY is set; billed)' : `fal.ai: mock on ${falMock!.url} (set FAL_KEY for the real service)`);
	console.log(runflowKey ? 'Runflow: real service (RUNFLOW_KEY is set; billed)' : `Runflow: mock on ${runflowMock!.url} (set RUNFLOW_KEY for the real service)`);
	console.log(bflKey ? 'Black Forest Labs: real service (BFL_API_KEY is set; billed)' : `Black Forest Labs: mock on ${bflMock!.url} (set BFL_API_KEY for the real service)`);
	console.log(
		replicateKey ? 'Replicate: real service (REPLICATE_API_TOKEN is set; billed)' : `Replicate: mock on ${replicateMock!.url} (set REPLICATE_API_TOKEN for the real service)`,
	);

	// Only the images an earlier run wrote (<workflow>--<file>) are replaced.
	clearOwnImages(outDir, (name) => name.includes('--'));
	try {
		const examples = await importExamples(
			instance,
			{
				fal: falKey ? { apiKey: falKey, baseUrl: '' } : { apiKey: 'demo-dummy-key', baseUrl: falMock!.url },
				runflow: runflowKey ? { apiKey: runflowKey, baseUrl: '' } : { apiKey: 'rf_live_demo_dummy', baseUrl: runflowMock!.url },
				bfl: bflKey ? { apiKey: bflKey, baseUrl: '' } : { apiKey: 'bfl-demo-dummy', baseUrl: bflMock!.url },
				replicate: replicateKey ? { apiKey: replicateKey, baseUrl: '' } : { apiKey: 'r8_demo_dummy', baseUrl: replicateMock!.url },
				openAi: openAiKey ? { apiKey: openAiKey, url: 'https://api.openai.com/v1' } : { apiKey: 'sk-demo-dummy', url: openAiFake!.url },
			},
			'demo',
		);
		const rows: Array<Record<string, unknown>> = [];
		for (const { id, file } of examples) {
			const t = Date.now();
			const runs = await execute(instance, id);
			const ms = Date.now() - t;
			for (const [nodeName, run] of Object.entries(runs)) {
				for (const item of run.items) {
					if (!item.binary?.data || item.json.provider === undefined) continue;
					const path = join(outDir, `${file.replace('.workflow.json', '')}--${String(item.json.fileName)}`);
					const bytes = binaryBytes(instance, item);
					if (bytes.length !== item.json.fileSize) throw new Error(`${path}: ${bytes.length} bytes on disk, ${String(item.json.fileSize)} reported`);
					writeFileSync(path, bytes);
					rows.push({
						workflow: file.replace('.workflow.json', ''),
						node: nodeName,
						file: path.replace(`${process.cwd()}/`, ''),
						size: `${item.json.width}×${item.json.height}`,
						bytes: item.json.fileSize,
						type: item.json.contentType,
						fromItem: (item.pairedItem as { item: number }).item,
					});
				}
			}
			const agentOutput = runs['AI Agent']?.items[0]?.json.output;
			if (agentOutput !== undefined) console.log(`${file}: the agent answered: ${String(agentOutput)}`);
			console.log(`${file}: executed by n8n in ${ms} ms`);
		}
		console.table(rows);
		console.log(`${rows.length} images written to ${outDir} in ${Math.round((Date.now() - started) / 1000)} s`);
	} finally {
		await falMock?.close();
		await runflowMock?.close();
		await bflMock?.close();
		await replicateMock?.close();
		await openAiFake?.close();
		if (process.env.DEMO_KEEP !== '1') rmSync(scratch, { recursive: true, force: true });
	}
}

main().catch((error: Error) => {
	console.error(`Demo failed: ${error.message}`);
	process.exitCode = 1;
});
