// What n8n does with a node's output under "On Error → Continue (using error output)", by running
// n8n's own code: n8n-core 2.41.1 `WorkflowExecute.handleNodeErrorOutput`
// (dist/execution-engine/workflow-execute.js). It moves an item to the error output only when the
// item carries `error`, or its JSON has no keys but `error`, `message` and `details`.
import 'reflect-metadata';

import { createRequire } from 'node:module';

import { Workflow, type INode, type INodeExecutionData, type INodeType } from 'n8n-workflow';

import { FluxUltra } from '../../nodes/FluxUltra/FluxUltra.node';
import { harnessNode } from './context';
import { normalizeLikeN8n } from './n8nNormalize';

const require = createRequire(import.meta.url);

interface WorkflowExecuteLike {
	handleNodeErrorOutput(
		workflow: Workflow,
		executionData: unknown,
		data: INodeExecutionData[][],
		runIndex: number,
	): void;
}
const { WorkflowExecute } = require('n8n-core') as {
	WorkflowExecute: new (additionalData: unknown, mode: string) => WorkflowExecuteLike;
};

/** The additional data n8n-core needs to build the data proxy the routing reads paired items with. */
const ADDITIONAL_DATA = {
	executionId: 'exec-1',
	instanceBaseUrl: 'http://localhost:5678/',
	restApiUrl: 'http://localhost:5678/rest',
	webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
	formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
	variables: {},
};

/**
 * Routes one run's output as n8n does for a node set to "Continue (using error output)": returns
 * [success items, error items].
 */
export function routeLikeN8n(
	output: INodeExecutionData[][],
	inputCount: number,
): [INodeExecutionData[], INodeExecutionData[]] {
	const type: INodeType = new FluxUltra();
	const node: INode = harnessNode({ onError: 'continueErrorOutput' });
	const nodeTypes = {
		getByName: () => type,
		getByNameAndVersion: () => type,
		getKnownTypes: () => ({}),
	};
	const workflow = new Workflow({
		id: 'wf',
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: nodeTypes as never,
	});
	const data = output.map((items) => [...items]);
	const executionData = {
		node,
		data: { main: [Array.from({ length: inputCount }, () => ({ json: {} }))] },
		source: null,
	};
	new WorkflowExecute(ADDITIONAL_DATA, 'manual').handleNodeErrorOutput(
		workflow,
		executionData,
		data,
		0,
	);
	normalizeLikeN8n(data);
	return [data[0] ?? [], data[1] ?? []];
}
