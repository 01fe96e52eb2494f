import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import {
	agentToolContinuesOnFail,
	agentToolNotice,
	forAgentTool,
	runsAsAgentTool,
} from './run/agentTool';
import { route } from './router';
import { resultInputProperties } from './parameters/resultInput';
import { DEFAULT_VERSION, GET_RESULT, NODE_VERSIONS, type NodeVersion } from './parameters/table';
import { atVersion, byName, jobProperties, modelProperty } from './parameters/ui';
import {
	credentialDescriptions,
	DEFAULT_PROVIDER,
	fallbackProperties,
	PROVIDERS,
	fieldsHiddenByProvider,
	providerOptions,
	providerSubtitle,
} from './providers/registry';
import {
	modelNotices,
	providerFieldNotes,
	providersFor,
	servedModels,
	unsupportedNotices,
} from './providers/common/describe';

export class FluxUltra implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'FLUX 1.1 Ultra',
		name: 'fluxUltra',
		icon: { light: 'file:fluxUltra.svg', dark: 'file:fluxUltra.dark.svg' },
		group: ['transform'],
		version: [...NODE_VERSIONS],
		defaultVersion: DEFAULT_VERSION,
		subtitle: providerSubtitle(),
		description:
			'Create and remix images with FLUX 1.1 [pro] ultra (up to 4 megapixels), or FLUX 3 Image and FLUX.2 with reference images. Returns each image with its link, size and seed.',
		defaults: { name: 'FLUX 1.1 Ultra' },
		usableAsTool: true,
		// For n8n's AI workflow builder and MCP (n8n-workflow 2.41; older n8n ignores it).
		builderHint: {
			searchHint: `Text-to-image and image variations with FLUX 1.1 [pro] ultra (up to 4 MP) and your own fine-tunes, on ${PROVIDERS.map((p) => p.displayName).join(', ')}${modelsHint()}. Each image comes out as its own item with the file as binary data, ready for storage, email or social nodes. With Wait for Completion off, jobs are created at once and collected later with the Get Result operation.`,
			relatedNodes: [
				{
					nodeType: 'n8n-nodes-base.googleDrive',
					relationHint: 'Uploads the generated image files (binary property "data")',
				},
				{ nodeType: 'n8n-nodes-base.awsS3', relationHint: 'Stores the generated image files' },
				{
					nodeType: 'n8n-nodes-base.wait',
					relationHint:
						"Waits for the provider's completion webhook before Get Result collects the images",
				},
				{
					nodeType: 'n8n-nodes-base.splitInBatches',
					relationHint: 'Sends a large batch in parts, within Max Cost per Run',
				},
				{
					nodeType: '@n8n/n8n-nodes-langchain.agent',
					relationHint: 'Calls this node as a tool to make images from a chat',
				},
			],
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: credentialDescriptions(),
		properties: [
			// Version 1 (workflows saved before version 2) and version 2 (new nodes), each its own
			// layout from the one parameter table; the notices are the same in both.
			...atVersion(1, [providerProperty(1), ...fallbackProperties(1), operationProperty(1)]),
			...atVersion(2, [providerProperty(2), ...fallbackProperties(2), operationProperty(2)]),
			...unsupportedNotices(),
			agentToolNotice(),
			// The Model follows the Operation's notices (it is Generate's; its default runs saved workflows as before).
			...atVersion(1, [
				modelProperty(1, servedModels()),
				...modelNotices(),
				...resultInputProperties(1),
				...jobProperties(fieldsHiddenByProvider(), providerFieldNotes(), 1),
			]),
			...atVersion(2, [
				modelProperty(2, servedModels()),
				...modelNotices(),
				...resultInputProperties(2),
				...jobProperties(fieldsHiddenByProvider(), providerFieldNotes(), 2),
			]),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// Continue On Fail, as n8n sets it for this node (or, on the AI Agent tool variant, as the tool's
		// On Error decides): with it a failed item comes out in place as an error item, without it the
		// first failure stops the node. The operations take it from here.
		const continueOnFail = this.continueOnFail() || agentToolContinuesOnFail(this);
		const output = await route.call(this, continueOnFail);
		return runsAsAgentTool(this) ? forAgentTool(output) : output;
	}
}

/** The builder hint's words on the models beyond Ultra this package's providers serve (none in some editions). */
function modelsHint(): string {
	const others = servedModels().slice(1);
	return others.length
		? `; ${others.map((m) => m.displayName).join(', ')} with reference images (binary fields or URLs, in order)`
		: '';
}

/** The Provider field: version 2 lists the providers by name and marks it required (one must run the job). */
function providerProperty(version: NodeVersion): INodeProperties {
	return {
		displayName: 'Provider',
		name: 'provider',
		type: 'options',
		noDataExpression: true,
		options: providerOptions(version),
		default: DEFAULT_PROVIDER,
		...(version === 1 ? {} : { required: true }),
		description: 'The service that runs the model. Each needs its own credential.',
	};
}

const OPERATION_OPTIONS = [
	{
		name: 'Generate',
		value: 'generate',
		action: 'Generate images from a prompt',
		description:
			'Create images from a text prompt, optionally guided by an image (FLUX 1.1 [pro] ultra)',
	},
	{
		name: 'Remix',
		value: 'remix',
		action: 'Remix an image',
		description:
			'Create variations of an image, optionally steered by a prompt (FLUX 1.1 [pro] ultra Redux)',
	},
	{
		name: 'Generate with Fine-Tune',
		value: 'finetune',
		action: 'Generate images with a fine tune',
		description: `Create images from a prompt with your own fine-tune, e.g. a brand style or product (FLUX 1.1 [pro] ultra fine-tuned; ${providersFor('finetune')})`,
	},
	{
		name: 'Get Result',
		value: GET_RESULT,
		action: 'Get the result of a job',
		description:
			'Collect the images of a job created with Wait for Completion off, or learn that it is still running',
	},
];

/** The Operation field: version 1 in today's order, version 2 by name. */
function operationProperty(version: NodeVersion): INodeProperties {
	return {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: version === 1 ? OPERATION_OPTIONS : byName(OPERATION_OPTIONS),
		default: 'generate',
	};
}
