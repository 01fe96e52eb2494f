import { describe, expect, it } from 'vitest';

import { fluxImages, remainder, waitingAt, type Workflow } from '../testkit/demoWorkflows';
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
