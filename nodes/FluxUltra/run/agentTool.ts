import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

/**
 * The node attached to an AI Agent runs as the tool variant n8n derives from `usableAsTool`: same
 * code, node type `<package>.fluxUltraTool`. What the model then gets is
 * `JSON.stringify(items.map((item) => item.json))` of this node's output (n8n's
 * `buildObservation` in nodes-langchain utils/agent-execution/buildSteps.ts for Agent v3, and
 * `makeHandleToolInvocation` in core's get-input-connection-data.ts for older agents): binary data
 * and `pairedItem` are left out by n8n. Two things n8n does to a failed tool run are fixed here:
 *
 * - n8n 1.x ends the whole workflow when a tool throws (the agent never sees why), while n8n 2.x
 *   hands the model `{ error: message }` unless the tool's On Error is "Stop Workflow"
 *   (core's workflow-execute.ts `handleNodeExecutionError`). As a tool, the node therefore always
 *   continues on fail, as n8n 2.x does, unless On Error says "Stop Workflow".
 * - n8n replaces the JSON of an item that carries an error object with `{ error: message }`
 *   (`normalizeNodeErrors`), dropping the description that says what to change, the error kind and
 *   the job id. The node's error items carry their details under `json.error` and no error object
 *   (see errorItem in run/outcomes.ts), so the model reads them whole.
 */
export function runsAsAgentTool(ctx: IExecuteFunctions): boolean {
	return ctx.getNode().type.endsWith('Tool');
}

/** Continue On Fail for the tool variant, as n8n 2.x decides it for tools. */
export function agentToolContinuesOnFail(ctx: IExecuteFunctions): boolean {
	return runsAsAgentTool(ctx) && ctx.getNode().onError !== 'stopWorkflow';
}

/**
 * Most bytes of the echoed `prompt` in what the model reads (JSON-encoded, UTF-8): the model wrote
 * it, and a long one would otherwise take one image's answer past 2 KB of the model's context.
 */
export const AGENT_PROMPT_MAX_BYTES = 1000;

/** The prompt cut to fit `maxBytes` once JSON-encoded, marked with "…" where it was cut. */
export function capPrompt(prompt: string, maxBytes = AGENT_PROMPT_MAX_BYTES): string {
	const bytes = (text: string) => Buffer.byteLength(JSON.stringify(text));
	if (bytes(prompt) <= maxBytes) return prompt;
	const ellipsis = '…';
	let used = bytes(ellipsis);
	let kept = '';
	for (const char of prompt) {
		const size = bytes(char) - 2;
		if (used + size > maxBytes) break;
		kept += char;
		used += size;
	}
	return kept + ellipsis;
}

/** The output as the model should read it: long prompts are cut. */
export function forAgentTool(output: INodeExecutionData[][]): INodeExecutionData[][] {
	return output.map((items) =>
		items.map((item) => (typeof item.json.prompt === 'string' ? { ...item, json: { ...item.json, prompt: capPrompt(item.json.prompt) } } : item)),
	);
}
