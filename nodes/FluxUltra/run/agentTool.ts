import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import {
	AGENT_SOURCE,
	IMAGE_INPUT,
	NODE_OPTION_PARAMS,
	PROVIDER_PARAMS,
} from '../parameters/table';
import { ParameterError } from '../transport/errors';
import { MODELS } from '../parameters/models';
import { REFERENCE_IMAGES } from '../parameters/ui';

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
		items.map((item) =>
			typeof item.json.prompt === 'string'
				? { ...item, json: { ...item.json, prompt: capPrompt(item.json.prompt) } }
				: item,
		),
	);
}

/**
 * The fields an AI Agent may not set, from the parameter table (`agentMaySet: false`): what a run
 * may spend (Max Cost per Run, Number of Images), how much it may take (Max Parallel Jobs, Timeout,
 * Max Image Size), where things are sent or fetched (Completion Webhook URL, Image URL), and the
 * content filter (Safety Tolerance). Where each is stored in the node's parameters.
 */
export const AGENT_FIXED_FIELDS: ReadonlyArray<{
	name: string;
	displayName: string;
	inOptions: boolean;
}> = [
	...[
		...new Map(
			// Every model's rows too (parameters/models/): a row name means one field in every model.
			[...PROVIDER_PARAMS, ...MODELS.flatMap((m) => m.params), ...NODE_OPTION_PARAMS]
				.filter((spec) => 'agentMaySet' in spec && spec.agentMaySet === false)
				.map((spec) => [
					spec.name,
					{
						name: spec.name,
						displayName: spec.displayName,
						inOptions: spec.placement === 'options',
					},
				]),
		).values(),
	],
	{ name: IMAGE_INPUT.url.name, displayName: IMAGE_INPUT.url.displayName, inOptions: false },
	// Reference Images: the node fetches (or passes on) every URL in it; an expression anywhere inside counts.
	{ name: REFERENCE_IMAGES.name, displayName: REFERENCE_IMAGES.displayName, inOptions: true },
];

const AGENT_MAY_NOT_SET =
	"an AI Agent may not set it: as a tool, this field bounds what a run may spend or take, or where it sends or fetches things, so it cannot come from $fromAI() or from the tool call ($json, $input). Give it a fixed value, or an expression that reads neither, in the tool's settings";

/** Whether a stored parameter value is an expression that reads what the model wrote. */
function fromAgent(stored: unknown): boolean {
	return typeof stored === 'string' && stored.startsWith('=') && AGENT_SOURCE.test(stored);
}

/** The same, anywhere inside the value: a plain field's, or a list's entries (Reference Images' URLs). */
function fromAgentInside(stored: unknown, depth = 0): boolean {
	if (fromAgent(stored)) return true;
	if (depth > 4 || !stored || typeof stored !== 'object') return false;
	return Object.values(stored).some((v) => fromAgentInside(v, depth + 1));
}

/**
 * As a tool, the first field the model could set although it may not (see AGENT_FIXED_FIELDS), as
 * the ParameterError that refuses the item; undefined when there is none or the node is not a tool.
 * n8n offers no way for a node to keep a field out of the tool's `$fromAI` parameters (its editor
 * hides the ✨ button only for fields that take no expression at all), so the node checks the
 * stored expressions itself, before anything is paid for. Reads the stored parameters, not values.
 */
export function agentSetField(ctx: IExecuteFunctions): ParameterError | undefined {
	if (!runsAsAgentTool(ctx)) return undefined;
	const stored = ctx.getNode().parameters ?? {};
	const options = stored.options;
	if (fromAgent(options)) return new ParameterError('Options', AGENT_MAY_NOT_SET, options);
	const inOptions =
		options && typeof options === 'object' && !Array.isArray(options)
			? (options as Record<string, unknown>)
			: {};
	// Both places, whatever the node's version: version 2 keeps Number of Images and Image URL in
	// Options, version 1 at the top level (`inOptions` says where version 1 has it).
	for (const field of AGENT_FIXED_FIELDS) {
		for (const value of [stored[field.name], inOptions[field.name]]) {
			if (fromAgentInside(value))
				return new ParameterError(field.displayName, AGENT_MAY_NOT_SET, value);
		}
	}
	return undefined;
}

/** The editor's word on it, shown only on the tool variant (n8n's `@tool` display option). */
export function agentToolNotice(): INodeProperties {
	const names = AGENT_FIXED_FIELDS.map((f) => f.displayName);
	return {
		displayName: `The AI Agent may not set ${names.slice(0, -1).join(', ')} or ${names.at(-1)}: the tool refuses a $fromAI() or $json there. Give them fixed values.`,
		name: 'agentToolNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { '@tool': [true] } },
	};
}
