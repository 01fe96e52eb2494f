import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { generate } from './operations/generate';
import { getResult } from './operations/getResult';
import { GET_RESULT } from './parameters/table';
import { providerOf } from './run/settings';

/**
 * Dispatches to the operation's module: Get Result reads jobs made earlier; Generate, Remix and
 * Generate with Fine-Tune make new ones. `continueOnFail` is n8n's, read by the node's execute().
 */
export async function route(
	this: IExecuteFunctions,
	continueOnFail: boolean,
): Promise<INodeExecutionData[][]> {
	const provider = providerOf(this);
	return this.getNodeParameter('operation', 0) === GET_RESULT
		? await getResult(this, provider, continueOnFail)
		: await generate(this, provider, continueOnFail);
}
