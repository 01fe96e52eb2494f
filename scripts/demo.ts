/**
 * `npm run demo`: the README's example workflows, run by a real n8n (2.x on Node 24, installed on
 * first use into a cache: a few minutes once), with the package installed from its npm tarball as a
 * community node. Every image the FLUX nodes produce is written to ./demo-output.
 *
 * Each provider runs against its loopback mock server (real HTTP, real PNG/JPEG files of Ultra's
 * sizes, no cost) unless its key is set: FAL_KEY calls fal.ai for real (16 images, about $0.96),
 * RUNFLOW_KEY calls Runflow (4 images, about $0.24; 6 while fal.ai is the mock), BFL_API_KEY calls
 * Black Forest Labs (8 images, about $0.48), REPLICATE_API_TOKEN calls Replicate (6 images, about
 * $0.36).
 *
 * The mock fal.ai is out of credit for one brief of the two failover examples
 * (DEMO_OUT_OF_CREDIT_BRIEF), so the demo shows each failover: the Fallback Provider takes that brief
 * (its item carries `failover`), and the chained example's Runflow node takes it.
 *
 * Then, on the mock fal.ai, two workflows of the demo's own (testkit/demoWorkflows.ts): provenance
 * (an image the node labels, one whose Content Credentials it keeps) and models: Ultra makes a
 * logo, a set and a product shot, FLUX 3 Image combines the three as reference images (the shot as
 * binary data, the others by link), and FLUX.2 [pro] makes a story from that image as its one
 * reference. Both are skipped when FAL_KEY is set.
 *
 * The AI Agent example's chat model is a loopback fake of OpenAI's chat completions (one tool call,
 * then an answer quoting the image link) unless OPENAI_API_KEY is set.
 *
 * Every workflow runs with `n8n execute`, which has no web server: an execution that reaches a Wait
 * node set to resume "On Webhook Call" (the submit-then-collect example) stops there, waiting. The
 * demo says so, then runs the rest of that workflow (its Get Result step onwards) as a second
 * execution fed with the jobs the first one submitted, so its images come out too. (The e2e suite
 * runs the whole example in a started n8n, resumed by the provider's webhook call: e2e/async.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startFakeOpenAi, type FakeOpenAi } from '../testkit/fakeOpenAi';
import { elapsed } from '../testkit/n8nHost.mjs';
import {
	binaryBytes,
	createInstance,
	execute,
	freePort,
	importExamples,
	jsonFile,
	n8nHost,
	packPackage,
	type N8nInstance,
	type NodeRun,
} from '../testkit/n8n';
import { providerAccess } from '../testkit/providerAccess';
import { clearOwnImages, demoOutputDir } from './demo-output';
import {
	DEMO_OUT_OF_CREDIT_BRIEF,
	type DemoImage,
	demoOutOfCredit,
	demoSummary,
	fluxImages,
	modelLine,
	modelsWorkflow,
	provenanceLine,
	provenanceWorkflow,
	remainder,
	waitingAt,
	webhookNote,
	type Workflow,
} from '../testkit/demoWorkflows';
import { CREDENTIALS_MARKER } from '../testkit/mocks/credentials';

const outDir = demoOutputDir('demo-output');
const openAiKey = process.env.OPENAI_API_KEY?.trim();

const since = (t: number) => elapsed(Date.now() - t);
const started = Date.now();

/** A step between a start line and an end line with its time. */
async function step<T>(label: string, fn: () => T | Promise<T>): Promise<T> {
	const t = Date.now();
	console.log(`▶ ${label}…`);
	const result = await fn();
	console.log(`  done in ${since(t)}`);
	return result;
}

async function main() {
	const host = await step('Checking the n8n host (installs it on first use)', () =>
		n8nHost(process.env.N8N_HOST_NAME),
	);
	console.log(`  n8n ${host.version} on Node 24 (${host.name}, cached in ${host.dir})`);
	// The tarball and n8n's user folder live in one scratch folder, removed when the demo ends.
	const scratch = mkdtempSync(join(tmpdir(), 'flux-demo-'));
	// `n8n execute` listens on no port: N8N_PORT, and so the resume URLs the workflows hand to the
	// providers, point at a free port nobody serves (not at a 5678 someone else's n8n may use).
	const port = await freePort();
	const instance = await step(
		'Packing this package and installing the tarball into a fresh n8n user folder (~/.n8n/nodes)',
		() =>
			createInstance(
				host,
				packPackage(join(scratch, 'pack')),
				{ N8N_PORT: String(port) },
				{ userFolder: join(scratch, 'user') },
			),
	);

	const providers = await providerAccess('demo', 1500, { outOfCredit: demoOutOfCredit });
	let openAiFake: FakeOpenAi | undefined;
	if (!openAiKey)
		openAiFake = await startFakeOpenAi({
			toolName: 'Generate_image',
			prompt:
				'Autumn coffee range hero shot: three cups on an oak table, maple leaves, golden-hour light',
		});
	for (const line of providers.lines()) console.log(`  ${line}`);
	if (providers.fal.mock)
		console.log(
			`    (mock fal.ai) out of credit for the “${DEMO_OUT_OF_CREDIT_BRIEF}” brief: the failover examples move it to Runflow`,
		);
	console.log(
		openAiKey
			? '  OpenAI (the AI Agent’s chat model): real service (OPENAI_API_KEY is set; billed)'
			: `  OpenAI (the AI Agent’s chat model): loopback fake on ${openAiFake!.url}`,
	);

	// Only the images an earlier run wrote (<workflow>--<file>) are replaced.
	clearOwnImages(outDir, (name) => name.includes('--'));
	try {
		const examples = await step(
			'Importing the credentials and the example workflows with n8n’s CLI',
			() =>
				importExamples(
					instance,
					{
						fal: providers.fal.login,
						runflow: providers.runflow.login,
						bfl: providers.bfl.login,
						replicate: providers.replicate.login,
						openAi: openAiKey
							? { apiKey: openAiKey, url: 'https://api.openai.com/v1' }
							: { apiKey: 'sk-demo-dummy', url: openAiFake!.url },
					},
					'demo',
				),
		);
		const rows: DemoImage[] = [];
		const keep = (base: string, workflow: Workflow, runs: Record<string, NodeRun>) => {
			let n = 0;
			for (const { node, item } of fluxImages(workflow, runs)) {
				const path = join(outDir, `${base}--${String(item.json.fileName)}`);
				const bytes = binaryBytes(instance, item);
				if (bytes.length !== item.json.fileSize)
					throw new Error(
						`${path}: ${bytes.length} bytes on disk, ${String(item.json.fileSize)} reported`,
					);
				writeFileSync(path, bytes);
				n++;
				rows.push({
					workflow: base,
					node,
					provider: String(item.json.provider),
					failover: item.json.failover as DemoImage['failover'],
					model: item.json.model,
					file: String(item.json.fileName),
					width: item.json.width,
					height: item.json.height,
					bytes: bytes.length,
				});
			}
			return n;
		};
		for (const { id, file, workflow } of examples as Array<{
			id: string;
			file: string;
			workflow: Workflow;
		}>) {
			const base = file.replace('.workflow.json', '');
			const t = Date.now();
			console.log(`▶ ${base}: “${workflow.name ?? base}”, run by n8n (n8n execute)…`);
			const runs = await execute(instance, id);
			const made = keep(base, workflow, runs);
			const agentOutput = runs['AI Agent']?.items[0]?.json.output;
			if (agentOutput !== undefined) console.log(`  the agent answered: ${String(agentOutput)}`);
			const waiting = waitingAt(workflow, runs);
			if (!waiting) {
				console.log(
					`  done in ${since(t)}: ${made ? `${made} image${made === 1 ? '' : 's'}` : agentOutput !== undefined ? 'the agent’s answer above, with the image link' : 'no images'}`,
				);
				continue;
			}
			const jobs = runs[waiting.feeder!]?.items ?? [];
			console.log(
				`  ${since(t)}: ${jobs.length} job${jobs.length === 1 ? '' : 's'} submitted by “${waiting.feeder}”; the execution waits at “${waiting.wait}”\n` +
					`  for the provider's webhook call. \`n8n execute\` runs no web server to receive it (a started\n` +
					`  n8n does: npm run dev), so the execution stays “waiting”.`,
			);
			const note = webhookNote(providers.fal.mock?.webhooks.map((h) => h.url) ?? []);
			if (note) console.log(note);
			if (!waiting.next || jobs.length === 0) continue;
			const t2 = Date.now();
			console.log(
				`▶ ${base}: the demo runs the rest of the workflow, from “${waiting.next}” on (Get Result), fed with those ${jobs.length} jobs…`,
			);
			const rest = remainder(workflow, waiting.next, jobs, `${id}collect`);
			await instance.cli([
				'import:workflow',
				`--input=${jsonFile(instance, `wf-${id}collect.json`, rest)}`,
			]);
			const collected = await execute(instance, `${id}collect`);
			const got = keep(base, rest, collected);
			console.log(`  done in ${since(t2)}: ${got} image${got === 1 ? '' : 's'} collected`);
		}
		if (providers.fal.mock) {
			// Provenance (issue 30): one image the node labels, one whose Content Credentials it keeps.
			const t = Date.now();
			const workflow = provenanceWorkflow('demoprovenance', CREDENTIALS_MARKER);
			console.log(`▶ provenance: “${String(workflow.name)}”, run by n8n (n8n execute)…`);
			await instance.cli([
				'import:workflow',
				`--input=${jsonFile(instance, 'wf-demoprovenance.json', workflow)}`,
			]);
			const runs = await execute(instance, 'demoprovenance');
			keep('provenance', workflow, runs);
			for (const { item } of fluxImages(workflow, runs))
				console.log(`  ${String(item.json.fileName)}: ${provenanceLine(item.json)}`);
			console.log(`  done in ${since(t)}`);
		} else {
			console.log(
				'▶ provenance: skipped (it runs on the fal.ai mock, whose [c2pa] prompts sign images; FAL_KEY is set)',
			);
		}
		if (providers.fal.mock) {
			// The models beyond Ultra (issue 29): FLUX 3 Image with three references, FLUX.2 [pro] with one.
			const t = Date.now();
			const workflow = modelsWorkflow('demomodels');
			console.log(`▶ models: “${String(workflow.name)}”, run by n8n (n8n execute)…`);
			await instance.cli([
				'import:workflow',
				`--input=${jsonFile(instance, 'wf-demomodels.json', workflow)}`,
			]);
			const runs = await execute(instance, 'demomodels');
			keep('models', workflow, runs);
			for (const { node, item } of fluxImages(workflow, runs))
				console.log(`  ${modelLine(node, item.json)}`);
			console.log(`  done in ${since(t)}`);
		} else {
			console.log(
				'▶ models: skipped (FLUX 3 Image and FLUX.2 run on the fal.ai mock here; FAL_KEY is set)',
			);
		}
		console.log(demoSummary(rows, outDir).join('\n'));
		console.log(`Whole demo: ${since(started)}`);
		nextSteps(instance, rows.length, providers.mocked());
	} finally {
		await providers.close();
		await openAiFake?.close();
		if (process.env.DEMO_KEEP !== '1') rmSync(scratch, { recursive: true, force: true });
	}
}

function nextSteps(instance: N8nInstance, images: number, mocked: string[]) {
	console.log(`
What next
  • The images: ${images} files in ${outDir}.${mocked.length ? '\n    Mock images show the prompt, provider, operation, aspect ratio and seed they were asked with,\n    and the reference images as numbered thumbnails (models--flux3-campaign.png).' : ''}
  • The same workflows in n8n's editor: npm run dev (n8n ${instance.host.version} at http://localhost:5678,
    signed in, the same mocks or keys; Ctrl+C stops it).
  • Your own n8n: README.md, “Install”; npm run mocks prints the API Base URLs of the mocks.
  • Real images: set a key and run again; each switches its provider to the real, billed service:
      FAL_KEY=… npm run demo               fal.ai (16 images, about $0.96)
      RUNFLOW_KEY=… npm run demo           Runflow (4 images, about $0.24; 6 while fal.ai is the mock)
      BFL_API_KEY=… npm run demo           Black Forest Labs (8 images, about $0.48)
      REPLICATE_API_TOKEN=… npm run demo   Replicate (6 images, about $0.36)
    (OPENAI_API_KEY=… makes the AI Agent example use OpenAI for its chat model.)`);
}

main().catch((error: Error) => {
	console.error(`Demo failed: ${error.message}`);
	process.exitCode = 1;
});
