import type { INodeExecutionData } from 'n8n-workflow';

import { createHarness, type HarnessOptions, type ParamValue } from './context';

/**
 * One item whose binary fields hold these files, as a Read File node leaves them: the MIME type
 * and file name from the bytes (PNG or JPEG).
 */
export function binaryItem(files: Record<string, Buffer> = {}): INodeExecutionData {
	return {
		json: {},
		binary: Object.fromEntries(
			Object.entries(files).map(([name, bytes]) => {
				const png = bytes[0] === 0x89;
				return [
					name,
					{
						data: bytes.toString('base64'),
						mimeType: png ? 'image/png' : 'image/jpeg',
						fileName: `${name}.${png ? 'png' : 'jpg'}`,
					},
				];
			}),
		),
	};
}

export interface ModelRun extends Partial<Omit<HarnessOptions, 'params'>> {
	prompt: string;
	/** Parameters beside Model, Prompt and Options (e.g. a Model field left as an expression). */
	params?: Record<string, ParamValue>;
}

/**
 * Generate (node version 2) of a model beyond Ultra on one provider: the parameters every model
 * test shares; the prompt, Options, items and the rest of the harness as the test gives them.
 */
export function runModel(
	provider: string,
	/** The Model field: an id, or a function for a per-item expression. */
	model: ParamValue,
	options: Record<string, unknown>,
	{ prompt, params = {}, ...harness }: ModelRun,
) {
	return createHarness({
		params: { provider, operation: 'generate', model, prompt, options, ...params },
		node: { typeVersion: 2 },
		...harness,
	});
}
