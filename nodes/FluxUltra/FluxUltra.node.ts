import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { agentToolNotice, forAgentTool, runsAsAgentTool } from './run/agentTool';
import { route } from './router';
import { resultInputProperties } from './parameters/resultInput';
import { GET_RESULT } from './parameters/table';
import { jobProperties } from './parameters/ui';
import {
	credentialDescriptions,
	DEFAULT_PROVIDER,
	fallbackProperties,
	PROVIDERS,
	fieldsHiddenByProvider,
	providerOptions,
	providerSubtitle,
} from './providers/registry';
import { providerFieldNotes, providersFor, unsupportedNotices } from './providers/describe';

export class FluxUltra implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'FLUX 1.1 Ultra',
		name: 'fluxUltra',
		icon: { light: 'file:fluxUltra.svg', dark: 'file:fluxUltra.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: providerSubtitle(),
		description: 'Create and remix images with FLUX 1.1 [pro] ultra, up to 4 megapixels. Returns each image with its link, size and seed.',
		defaults: { name: 'FLUX 1.1 Ultra' },
		usableAsTool: true,
		// For n8n's AI workflow builder and MCP (n8n-workflow 2.41; older n8n ignores it).
		builderHint: {
			searchHint: `Text-to-image and image variations with FLUX 1.1 [pro] ultra (up to 4 MP) and your own fine-tunes, on ${PROVIDERS.map((p) => p.displayName).join(', ')}. Each image comes out as its own item with the file as binary data, ready for storage, email or social nodes. With Wait for Completion off, jobs are created at once and collected later with the Get Result operation.`,
			relatedNodes: [
				{ nodeType: 'n8n-nodes-base.googleDrive', relationHint: 'Uploads the generated image files (binary property "data")' },
				{ nodeType: 'n8n-nodes-base.awsS3', relationHint: 'Stores the generated image files' },
				{ nodeType: 'n8n-nodes-base.wait', relationHint: 'Waits for the provider\'s completion webhook before Get Result collects the images' },
				{ nodeType: 'n8n-nodes-base.splitInBatches', relationHint: 'Sends a large batch in parts, within Max Cost per Run' },
				{ nodeType: '@n8n/n8n-nodes-langchain.agent', relationHint: 'Calls this node as a tool to make images from a chat' },
			],
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: credentialDescriptions(),
		properties: [
			{
				displayName: 'Provider',
				name: 'provider',
				type: 'options',
				noDataExpression: true,
				options: providerOptions(),
				default: DEFAULT_PROVIDER,
				description: 'The service that runs the model. Each needs its own credential.',
			},
			...fallbackProperties(),
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Generate',
						value: 'generate',
						action: 'Generate images from a prompt',
						description: 'Create images from a text prompt, optionally guided by an image (FLUX 1.1 [pro] ultra)',
					},
					{
						name: 'Remix',
						value: 'remix',
						action: 'Remix an image',
						description: 'Create variations of an image, optionally steered by a prompt (FLUX 1.1 [pro] ultra Redux)',
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
						description: 'Collect the images of a job created with Wait for Completion off, or learn that it is still running',
					},
				],
				default: 'generate',
			},
			...unsupportedNotices(),
			agentToolNotice(),
			...resultInputProperties(),
			...jobProperties(fieldsHiddenByProvider(), providerFieldNotes()),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const output = await route.call(this);
		return runsAsAgentTool(this) ? forAgentTool(output) : output;
	}
}
