import { describe, expect, it } from 'vitest';

import {
	DEMO_OUT_OF_CREDIT_BRIEF,
	demoOutOfCredit,
	demoSummary,
	FLUX,
	fluxImages,
	modelLine,
	MODELS_DEMO,
	modelsWorkflow,
	remainder,
	waitingAt,
	webhookNote,
	type DemoImage,
	type Workflow,
} from '../testkit/demoWorkflows';
import { startMockFal } from '../testkit/mocks/falServer';
import { exampleWorkflows, type NodeRun } from '../testkit/n8n';

/**
 * `npm run demo` runs the examples with `n8n execute`, which has no web server: the
 * submit-then-collect example stops at its Wait node ("On Webhook Call"). The demo must notice,
 * and run the rest of the workflow (Get Result onwards) on the jobs that were submitted.
 */
const examples = exampleWorkflows() as Array<{ file: string; workflow: Workflow }>;
const submitCollect = examples.find(
	(e) => e.file === 'submit-then-collect-fal.workflow.json',
)!.workflow;
const ran = (names: string[], items: NodeRun['items'] = [{ json: {} }]): Record<string, NodeRun> =>
	Object.fromEntries(names.map((name) => [name, { items, outputs: [items], runs: [items] }]));

const jobs: NodeRun['items'] = [1, 2, 3].map((n) => ({
	json: {
		provider: 'fal',
		requestId: `req-example-${n}`,
		status: 'submitted',
		links: { status: `http://127.0.0.1:9/status/${n}` },
	},
	pairedItem: { item: n - 1 },
}));

describe('the demo follows a workflow that waits for a webhook', () => {
	it('finds where submit-then-collect stopped under n8n execute, and only there', () => {
		const stopped = ran([
			"When clicking 'Execute workflow'",
			'Campaign briefs',
			'Submit jobs',
			'Wait for fal.ai',
		]);
		expect(waitingAt(submitCollect, stopped)).toEqual({
			wait: 'Wait for fal.ai',
			feeder: 'Submit jobs',
			next: 'Submitted jobs',
		});
		// Whether or not n8n lists the waiting node in the run data.
		const withoutWait = Object.fromEntries(
			Object.entries(stopped).filter(([name]) => name !== 'Wait for fal.ai'),
		);
		expect(waitingAt(submitCollect, withoutWait)).toEqual({
			wait: 'Wait for fal.ai',
			feeder: 'Submit jobs',
			next: 'Submitted jobs',
		});
		// Stopped before anything was submitted: nothing to collect.
		expect(
			waitingAt(submitCollect, ran(["When clicking 'Execute workflow'", 'Campaign briefs'])),
		).toBeUndefined();
		// Once resumed (the node after the Wait ran), nothing is waiting.
		expect(waitingAt(submitCollect, { ...stopped, ...ran(['Submitted jobs']) })).toBeUndefined();
		// The examples that have no webhook Wait node go straight through, whatever ran.
		for (const { file, workflow } of examples.filter((e) => e.workflow !== submitCollect)) {
			expect(waitingAt(workflow, ran(workflow.nodes.map((n) => n.name))), file).toBeUndefined();
		}
	});

	it('runs the rest of the workflow, from the node after the Wait, fed with the submitted jobs', () => {
		const rest = remainder(submitCollect, 'Submitted jobs', jobs, 'demo5collect');
		expect(rest.id).toBe('demo5collect');
		const names = rest.nodes.map((n) => n.name);
		expect(names.sort()).toEqual(
			[
				'Collect images',
				'Images ready',
				'Start collecting',
				'Still running?',
				'Submitted jobs',
				'Wait 30 seconds',
			].sort(),
		);
		// The Get Result node and the "still running?" loop are the example's own, unchanged.
		for (const name of ['Collect images', 'Still running?', 'Wait 30 seconds', 'Images ready']) {
			expect(rest.nodes.find((n) => n.name === name)).toEqual(
				submitCollect.nodes.find((n) => n.name === name),
			);
			expect(rest.connections[name]).toEqual(submitCollect.connections[name]);
		}
		expect(rest.nodes.find((n) => n.name === 'Collect images')!.parameters.operation).toBe(
			'getResult',
		);
		// The node after the Wait returns exactly the submitted jobs, one per item.
		const code = rest.nodes.find((n) => n.name === 'Submitted jobs')!;
		expect(code.type).toBe('n8n-nodes-base.code');
		const returned = new Function(String(code.parameters.jsCode))() as Array<{ json: unknown }>;
		expect(returned.map((i) => i.json)).toEqual(jobs.map((j) => j.json));
		// The trigger starts it; nothing before the Wait remains.
		expect(rest.connections['Start collecting'].main[0]![0].node).toBe('Submitted jobs');
		expect(Object.keys(rest.connections)).not.toContain('Submit jobs');
		expect(names).not.toContain('Wait for fal.ai');
		// The original is left as it was.
		expect(submitCollect.nodes.find((n) => n.name === 'Submitted jobs')!.type).toBe(
			'n8n-nodes-base.code',
		);
		expect(
			String(submitCollect.nodes.find((n) => n.name === 'Submitted jobs')!.parameters.jsCode),
		).toContain("$('Submit jobs')");
	});

	it('keeps every image of every run of a FLUX node (a loop runs Get Result again), and nothing a pass-through node repeats', () => {
		const image = (n: number) => ({
			json: { provider: 'fal', fileName: `campaign-${n}-1.jpg` },
			binary: { data: { mimeType: 'image/jpeg' } },
		});
		const runs: Record<string, NodeRun> = {
			'Collect images': {
				items: [image(1), image(2)],
				outputs: [],
				runs: [[image(1), image(2), { json: { provider: 'fal', status: 'running' } }], [image(3)]],
			},
			'Images ready': {
				items: [image(1), image(2)],
				outputs: [],
				runs: [[image(1), image(2)], [image(3)]],
			},
		};
		const kept = fluxImages(submitCollect, runs);
		expect(kept.map((k) => `${k.node}:${String(k.item.json.fileName)}`)).toEqual([
			'Collect images:campaign-1-1.jpg',
			'Collect images:campaign-2-1.jpg',
			'Collect images:campaign-3-1.jpg',
		]);
	});
});

describe('the demo shows a failover (issue 31, point 10)', () => {
	const failoverExamples = examples.filter((e) => e.file.includes('failover'));
	const briefsOf = (workflow: Workflow) =>
		[
			...String(workflow.nodes.find((n) => n.name === 'Briefs')?.parameters.jsCode).matchAll(
				/prompt: '([^']*)'/g,
			),
		].map((m) => m[1]);

	it('its mock fal.ai is out of credit for one brief of each failover example, and for nothing else the examples send', () => {
		expect(failoverExamples.map((e) => e.file).sort()).toEqual([
			'chained-failover.workflow.json',
			'provider-failover.workflow.json',
		]);
		for (const { file, workflow } of failoverExamples) {
			const refused = briefsOf(workflow).filter((prompt) => demoOutOfCredit({ prompt }));
			expect(refused, file).toHaveLength(1);
			expect(briefsOf(workflow).length, file).toBeGreaterThan(1);
		}
		for (const { file, workflow } of examples.filter((e) => !e.file.includes('failover')))
			expect(JSON.stringify(workflow), file).not.toContain(DEMO_OUT_OF_CREDIT_BRIEF);
	});

	it('the Fallback Provider example has fal.ai first and Runflow as its Fallback Provider, with both credentials', () => {
		const workflow = failoverExamples.find(
			(e) => e.file === 'provider-failover.workflow.json',
		)!.workflow;
		const flux = workflow.nodes.filter((n) => n.type === FLUX);
		expect(flux).toHaveLength(1);
		expect(flux[0].parameters).toMatchObject({ provider: 'fal', fallbackFromFal: 'runflow' });
		expect(Object.keys(flux[0].credentials as object)).toEqual(['falApi', 'runflowApi']);
	});

	it('the mock answers that brief with fal.ai’s out-of-credit 402, and makes the others', async () => {
		const fal = await startMockFal({ latencyMs: 10, scale: 0.05, outOfCredit: demoOutOfCredit });
		try {
			const submit = (prompt: string) =>
				fetch(`${fal.url}/fal-ai/flux-pro/v1.1-ultra`, {
					method: 'POST',
					headers: { authorization: 'Key dummy', 'content-type': 'application/json' },
					body: JSON.stringify({ prompt }),
				});
			const [refused, made] = await Promise.all([
				submit(`Poster for a ${DEMO_OUT_OF_CREDIT_BRIEF}`),
				submit('Studio product photo of a mug'),
			]);
			expect(refused.status).toBe(402);
			expect(JSON.stringify(await refused.json())).toMatch(/Exhausted balance/);
			expect(made.status).toBe(200);
			expect(fal.jobs.size).toBe(1);
		} finally {
			await fal.close();
		}
	});

	it('its summary fits a 100-column terminal and shows the failover of an item the fallback made', () => {
		const image = (n: number, provider: string, extra: Partial<DemoImage> = {}): DemoImage => ({
			workflow: 'generate-with-image-prompt-replicate',
			node: 'Posters from each image (a long node name that goes on and on)',
			provider,
			file: `posters-${n}-with-a-rather-long-file-name-from-the-pattern.jpeg`,
			width: 1536,
			height: 2752,
			bytes: 1_234_567,
			...extra,
		});
		const lines = demoSummary(
			[
				image(1, 'bfl'),
				image(2, 'runflow', {
					workflow: 'provider-failover',
					node: 'Generate (Runflow as Fallback Provider)',
					failover: { from: 'fal', reason: 'the fal.ai account is out of credit' },
				}),
			],
			'/home/someone/projects/n8n-nodes-flux-ultra/demo-output',
		);
		for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(100);
		expect(lines.join('\n')).toContain('Black Forest Labs');
		expect(lines.join('\n')).toContain('↳ failover: from fal: the fal.ai account is out of credit');
		expect(lines[0]).toMatch(/^2 images in /);
	});

	it('its line about the webhooks the mock sends does not read like an error', () => {
		const note = webhookNote([
			'http://localhost:5678/webhook-waiting/7?signature=c4abb62a80f584f32e3d1829111ae36b99bf51e5ff4221c1f1594fa8f27542c8',
			'http://localhost:5678/webhook-waiting/7?signature=00',
		])!;
		expect(note).not.toMatch(/signature|nobody|fail|error/i);
		expect(note).toMatch(/expected/);
		expect(note.length).toBeLessThanOrEqual(100);
		expect(webhookNote([])).toBeUndefined();
	});
});

describe('the demo writes every image it made', () => {
	// The demo names each file <workflow>--<file name the node gave>: two FLUX nodes of one example
	// with the same File Name pattern would write over each other's images (the chained example's
	// Runflow node did, once a brief reached it).
	it.each(examples.map((e) => [e.file, e.workflow] as const))(
		'%s: no two FLUX nodes share a File Name pattern',
		(_file, workflow) => {
			const patterns = workflow.nodes
				.filter((n) => n.type === FLUX)
				.map((n) => {
					const options = (n.parameters.options ?? {}) as Record<string, unknown>;
					return String(options.fileName ?? n.parameters.fileName ?? 'flux-{requestId}-{index}');
				})
				.filter((p) => !p.includes('{requestId}'));
			expect(new Set(patterns).size).toBe(patterns.length);
		},
	);
});

describe('the demo runs the models beyond Ultra (issue 29, point 8)', () => {
	const workflow = modelsWorkflow('demomodels');
	const byName = (name: string) => workflow.nodes.find((n) => n.name === name)!;
	const options = (name: string) => byName(name).parameters.options as Record<string, unknown>;
	const references = (name: string) =>
		(options(name).referenceImages as { image: Array<Record<string, string>> }).image;

	it('FLUX 3 Image combines three references in order: the product shot’s file, then the logo’s and the set’s links', () => {
		expect(byName(MODELS_DEMO.flux3).parameters.model).toBe('flux-3-image');
		expect(references(MODELS_DEMO.flux3)).toEqual([
			{ source: 'binary', binaryPropertyName: 'data' },
			{ source: 'url', url: "={{ $('Logo').item.json.url }}" },
			{ source: 'url', url: "={{ $('Set').item.json.url }}" },
		]);
		// The binary reference is the product shot: the node right before it.
		expect(workflow.connections['Product shot'].main[0]![0].node).toBe(MODELS_DEMO.flux3);
		// 1k in the demo: the 4k file is the bench's.
		expect(options(MODELS_DEMO.flux3).resolution).toBe('1k');
	});

	it('FLUX.2 [pro] takes one reference: FLUX 3’s image', () => {
		expect(byName(MODELS_DEMO.flux2).parameters.model).toBe('flux-2-pro');
		expect(references(MODELS_DEMO.flux2)).toEqual([
			{ source: 'binary', binaryPropertyName: 'data' },
		]);
		expect(workflow.connections[MODELS_DEMO.flux3].main[0]![0].node).toBe(MODELS_DEMO.flux2);
	});

	it('runs on the mock fal.ai, none of its briefs out of credit, each FLUX node with its own File Name', () => {
		const flux = workflow.nodes.filter((n) => n.type === FLUX);
		expect(flux).toHaveLength(5);
		for (const node of flux) {
			expect(node.parameters.provider).toBe('fal');
			expect(demoOutOfCredit({ prompt: node.parameters.prompt })).toBe(false);
		}
		const names = flux.map((n) => (n.parameters.options as { fileName: string }).fileName);
		expect(new Set(names).size).toBe(names.length);
	});

	it('its lines and the summary name the model each item says, within 100 columns', () => {
		const line = modelLine(MODELS_DEMO.flux3, {
			fileName: 'flux3-campaign.png',
			model: 'flux-3-image',
			width: 1184,
			height: 880,
		});
		expect(line).toBe(`flux3-campaign.png: FLUX 3 Image, 1184×880 (${MODELS_DEMO.flux3})`);
		const lines = demoSummary(
			[
				{
					workflow: 'models',
					node: MODELS_DEMO.flux2,
					provider: 'fal',
					model: 'flux-2-pro',
					file: 'flux2-story.jpeg',
					width: 768,
					height: 1360,
					bytes: 120_000,
				},
			],
			'/home/someone/projects/n8n-nodes-flux-ultra/demo-output',
		);
		expect(lines).toContain('      ↳ model: FLUX.2 [pro]');
		for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(100);
	});
});
