// What n8n keeps of a node's output items, by running n8n's own code: n8n-core 2.41.1
// `WorkflowExecute.normalizeNodeErrors` (dist/execution-engine/workflow-execute.js), which n8n runs
// on every node's output after the error-output routing. An item that carries `error` (the n8n
// error object) has its JSON replaced by `{ error: <message> }`; n8n 1.123's copy does the same.
import 'reflect-metadata';

import { createRequire } from 'node:module';

import type { INodeExecutionData } from 'n8n-workflow';

const require = createRequire(import.meta.url);

const { WorkflowExecute } = require('n8n-core') as {
	WorkflowExecute: { prototype: { normalizeNodeErrors(data: INodeExecutionData[][]): void } };
};

/** Applies n8n's normalisation to one run's output, in place, and returns it. */
export function normalizeLikeN8n(output: INodeExecutionData[][]): INodeExecutionData[][] {
	WorkflowExecute.prototype.normalizeNodeErrors.call(undefined, output);
	return output;
}
