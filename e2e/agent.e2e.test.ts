import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { startFakeOpenAi, type FakeOpenAi } from '../testkit/fakeOpenAi';
import { e2eHosts } from '../testkit/n8n';
import { e2eN8n, exampleCredential, SETUP_TIMEOUT } from './fixture';

/**
 * The node as an AI Agent tool in a real n8n: examples/ai-agent-tool.workflow.json (Manual Trigger →
 * AI Agent v3 with an OpenAI Chat Model and this node attached as the tool "Generate image", prompt
 * from `$fromAI()`), with the chat model's credential pointed at a loopback fake of OpenAI's
 * chat-completions API and the fal.ai credential at the fal mock.
 *
 * What the model receives is what this suite is about. How n8n builds it (read in n8n's source,
 * n8n-io/n8n, and in the installed hosts' dist):
 * - n8n derives the tool variant `fluxUltraTool` from `usableAsTool: true`
 *   (packages/cli/src/tool-generation/ai-tools.ts `convertNodeToAiTool`: name + 'Tool', outputs
 *   [ai_tool], a "Tool Description" field added).
 * - The tool's name is the node's name with every run of other characters than [a-zA-Z0-9_-] made
 *   "_" (packages/workflow/src/tool-helpers.ts `nodeNameToToolName`), its parameters are the
 *   `$fromAI()` calls found in the node's parameters, each described by its second argument
 *   (packages/core/.../utils/create-node-as-tool.ts `getSchema`, packages/workflow/src/
 *   from-ai-parse-utils.ts `generateZodSchema`), its description the node's description unless a
 *   Tool Description is set (packages/workflow/src/node-helpers.ts `getToolDescriptionForNode`).
 * - Agent v3 (both hosts) does not invoke the tool itself: it returns an engine request, n8n runs
 *   the tool node as a node (input item = the agent's item merged with the tool arguments,
 *   packages/core/src/execution-engine/requests-response.ts `prepareRequestedNodesForExecution`),
 *   and the node's main output is logged as its `ai_tool` data (workflow-execute.ts
 *   `rewireOutputLog`; a thrown error becomes `[{json: {error: message}}]`). The observation the
 *   model gets is `JSON.stringify(output.map(item => item.json))`
 *   (packages/@n8n/nodes-langchain/utils/agent-execution/buildSteps.ts `buildObservation`): the
 *   items' JSON only — binary data, `pairedItem` and everything else are dropped.
 * - Older agents invoke the tool through `makeHandleToolInvocation`
 *   (packages/core/.../utils/get-input-connection-data.ts `mapResult`): the same
 *   `JSON.stringify(items.flatMap(item => item.json))`, binary omitted with a logged warning.
 */

const root = resolve(__dirname, '..');
const TOOL_NAME = 'Generate_image';
const MODEL_PROMPT =
	'Steaming cup of pumpkin spice latte on a rustic oak table, falling maple leaves, warm golden-hour light, editorial food photography';
const MAX_BYTES_PER_IMAGE = 2048;

function agentWorkflow(id: string, syncMode: boolean, agentSetsCap = false) {
	const workflow = JSON.parse(
		readFileSync(join(root, 'examples', 'ai-agent-tool.workflow.json'), 'utf8'),
	) as {
		name: string;
		nodes: Array<{ name: string; type: string; parameters: Record<string, unknown> }>;
	};
	if (syncMode) {
		const tool = workflow.nodes.find((n) => n.type === 'n8n-nodes-flux-ultra.fluxUltraTool')!;
		tool.parameters.options = { ...(tool.parameters.options as object), syncMode: true };
	}
	if (agentSetsCap) {
		// A careless author hands the spend cap to the model: the node must refuse it, not run.
		const tool = workflow.nodes.find((n) => n.type === 'n8n-nodes-flux-ultra.fluxUltraTool')!;
		tool.parameters.options = {
			...(tool.parameters.options as object),
			maxCostPerRun: "={{ $fromAI('max_cost', 'Spend cap in US dollars', 'number') }}",
		};
	}
	const suffix = syncMode ? ' (Sync Mode)' : agentSetsCap ? ' (cap from $fromAI)' : '';
	return { ...workflow, id, name: `${workflow.name}${suffix}` };
}

/** Base64 image data in any form: a data URI, or a long run of base64 characters. */
const BASE64 = /data:[\w/+.-]*;base64|[A-Za-z0-9+/]{120,}={0,2}/;

describe.each(e2eHosts())('the node as an AI Agent tool, in a real n8n (%s)', (hostName) => {
	const n8n = e2eN8n(hostName);
	let fal: MockFal;
	let openAi: FakeOpenAi;

	beforeAll(async () => {
		await n8n.install();
		fal = await n8n.mock(startMockFal({ latencyMs: 300, scale: 0.25, keepAliveMs: 1000 }));
		openAi = await n8n.mock(startFakeOpenAi({ toolName: TOOL_NAME, prompt: MODEL_PROMPT }));
		await n8n.importCredentials([
			exampleCredential.fal(fal.url),
			{
				id: 'openAiApiExample01',
				name: 'OpenAI account',
				type: 'openAiApi',
				data: { apiKey: 'sk-dummy-e2e-example', url: openAi.url },
			},
		]);
		await n8n.importWorkflows(
			agentWorkflow('agent', false),
			agentWorkflow('agentSync', true),
			agentWorkflow('agentCap', false, true),
		);
	}, SETUP_TIMEOUT);

	/** Runs one agent workflow; returns what the fake model received back from the tool, and the agent's output. */
	async function runAgent(workflowId: string) {
		const before = {
			requests: openAi.requests.length,
			results: openAi.toolResults.length,
			jobs: fal.jobs.size,
		};
		const started = Date.now();
		const runs = await n8n.execute(workflowId);
		const ms = Date.now() - started;
		const agent = runs['AI Agent'];
		expect(agent.error, JSON.stringify(agent.error)).toBeUndefined();
		const requests = openAi.requests.slice(before.requests);
		const toolResults = openAi.toolResults.slice(before.results);
		const jobs = [...fal.jobs.values()].slice(before.jobs);
		return { agent, requests, toolResults, jobs, ms };
	}

	function expectCompactImageJson(toolResult: string) {
		expect(toolResult).not.toMatch(BASE64);
		const images = JSON.parse(toolResult) as Array<Record<string, unknown>>;
		expect(Array.isArray(images)).toBe(true);
		expect(images).toHaveLength(1);
		for (const image of images) {
			expect(Buffer.byteLength(JSON.stringify(image))).toBeLessThan(MAX_BYTES_PER_IMAGE);
			expect(image).toMatchObject({
				provider: 'fal',
				operation: 'generate',
				prompt: MODEL_PROMPT,
				width: 688,
				height: 384,
				aspectRatio: '16:9',
				contentType: 'image/jpeg',
			});
			expect(typeof image.seed).toBe('number');
			// Another part of the node adds the job's cost; when it is there it must be a figure the model can read.
			if ('cost' in image) expect(image.cost).toMatchObject({ usd: expect.any(Number) as number });
		}
		expect(Buffer.byteLength(toolResult)).toBeLessThan(MAX_BYTES_PER_IMAGE * images.length);
		return images;
	}

	it('the model calls the node by its tool name, fal receives the prompt the model chose, the model gets compact JSON with the link back, the agent answers', async ({
		task,
	}) => {
		const { agent, requests, toolResults, jobs, ms } = await runAgent('agent');

		// What the model was offered: the node under its tool name, with the $fromAI parameter described.
		const tool = requests[0].tools?.find((t) => t.function.name === TOOL_NAME);
		expect(tool, JSON.stringify(requests[0].tools)).toBeDefined();
		expect(tool!.function.description).toBe(
			'Create and remix images with FLUX 1.1 [pro] ultra (up to 4 megapixels), or FLUX 3 Image and FLUX.2 with reference images. Returns each image with its link, size and seed.',
		);
		expect(tool!.function.parameters).toMatchObject({
			type: 'object',
			properties: {
				prompt: {
					type: 'string',
					description: 'What the image should show: subject, setting, light, style',
				},
			},
			required: ['prompt'],
		});

		// fal received the model's prompt (not the user's message), one job.
		expect(jobs.map((j) => j.input.prompt)).toEqual([MODEL_PROMPT]);
		expect(jobs[0].input).toMatchObject({
			aspect_ratio: '16:9',
			num_images: 1,
			output_format: 'jpeg',
		});
		expect(jobs[0].input.sync_mode).toBeFalsy();

		// What the model got back: one compact JSON array, the image's link, size and seed.
		expect(toolResults).toHaveLength(1);
		const [toolResult] = toolResults;
		const [image] = expectCompactImageJson(toolResult);
		expect(image.url).toBe(`${fal.url}/files/${jobs[0].id}/0.jpg`);
		expect(image.seed).toBe(jobs[0].seed);

		// The agent's final output is the model's answer, built from that link.
		expect(agent.items).toHaveLength(1);
		expect(agent.items[0].json.output).toBe(
			`Here is your image: ${String(image.url)} (688x384, seed ${String(image.seed)})`,
		);

		const bytes = Buffer.byteLength(toolResult);
		process.stderr.write(
			`[e2e agent ${hostName}] tool offered to the model: ${JSON.stringify(tool)}\n`,
		);
		process.stderr.write(
			`[e2e agent ${hostName}] tool result as the model received it (${bytes} bytes): ${toolResult}\n`,
		);
		task.meta.figures = `${hostName}: agent → tool → answer in ${ms} ms; tool result ${bytes} bytes: ${toolResult}`;
	});

	it('a job the provider refuses: the model gets the error with what to change (not a failed workflow), and answers', async ({
		task,
	}) => {
		openAi.prompt = 'A forbidden scene';
		try {
			const { agent, toolResults, jobs, ms } = await runAgent('agent');
			expect(jobs.map((j) => j.input.prompt)).toEqual(['A forbidden scene']);
			expect(toolResults).toHaveLength(1);
			const [toolResult] = toolResults;
			const [failure] = JSON.parse(toolResult) as Array<Record<string, unknown>>;
			// The node's whole error item, not only n8n's `error` message: what to change, and the job id.
			expect(failure).toEqual({
				error: expect.objectContaining({
					message: expect.stringMatching(/^fal\.ai blocked the content.*\[item 0\]$/) as string,
					description: expect.stringContaining('Safety Tolerance') as string,
					kind: 'moderation',
					requestId: jobs[0].id,
				}) as unknown,
			});
			expect(Buffer.byteLength(toolResult)).toBeLessThan(MAX_BYTES_PER_IMAGE);
			expect(String(agent.items[0].json.output)).toBe(
				`The image could not be made: ${String((failure.error as { message: string }).message)}`,
			);
			process.stderr.write(
				`[e2e agent ${hostName}] refused job, tool result as the model received it (${Buffer.byteLength(toolResult)} bytes): ${toolResult}\n`,
			);
			task.meta.figures = `${hostName}: refused job, agent answered in ${ms} ms; tool result ${Buffer.byteLength(toolResult)} bytes: ${toolResult}`;
		} finally {
			openAi.prompt = MODEL_PROMPT;
		}
	});

	it('with Sync Mode on, the model still gets no base64: the image JSON has url null', async ({
		task,
	}) => {
		const { agent, toolResults, jobs, ms } = await runAgent('agentSync');

		expect(jobs.map((j) => j.input.prompt)).toEqual([MODEL_PROMPT]);
		expect(jobs[0].input.sync_mode).toBe(true);
		expect(toolResults).toHaveLength(1);
		const [toolResult] = toolResults;
		const [image] = expectCompactImageJson(toolResult);
		expect(image.url).toBeNull();
		expect(String(agent.items[0].json.output)).toMatch(
			/^The image was made \(688x384, seed \d+\), but no link came back/,
		);

		const bytes = Buffer.byteLength(toolResult);
		process.stderr.write(
			`[e2e agent ${hostName}] Sync Mode tool result as the model received it (${bytes} bytes): ${toolResult}\n`,
		);
		task.meta.figures = `${hostName}: Sync Mode agent run in ${ms} ms; tool result ${bytes} bytes, no base64: ${toolResult}`;
	});

	it('Max Cost per Run on $fromAI: refused before any job, and the model is told which field and why', async ({
		task,
	}) => {
		const { toolResults, jobs, ms } = await runAgent('agentCap');
		expect(jobs).toHaveLength(0);
		expect(toolResults).toHaveLength(1);
		const [toolResult] = toolResults;
		const [failure] = JSON.parse(toolResult) as Array<{ error: Record<string, unknown> }>;
		expect(failure.error).toMatchObject({
			kind: 'parameter',
			field: 'Max Cost per Run (USD)',
			message: expect.stringMatching(
				/^Invalid value for "Max Cost per Run \(USD\)": an AI Agent may not set it.*\[item 0\]$/,
			) as string,
		});
		process.stderr.write(
			`[e2e agent ${hostName}] cap from $fromAI, tool result as the model received it (${Buffer.byteLength(toolResult)} bytes): ${toolResult}\n`,
		);
		task.meta.figures = `${hostName}: cap from $fromAI refused, 0 fal jobs, agent answered in ${ms} ms; tool result ${Buffer.byteLength(toolResult)} bytes`;
	});
});
