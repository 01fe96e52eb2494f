import { FluxUltra } from '../../../../nodes/FluxUltra/FluxUltra.node';
import type { INodeProperties } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { NODE_OPTION_PARAMS, PROVIDER_PARAMS } from '../../../../nodes/FluxUltra/parameters/table';
import { jobProperties } from '../../../../nodes/FluxUltra/parameters/ui';
import { validateItemParameters } from '../../../../nodes/FluxUltra/parameters/validation';

/** Ultra's fields: those not shown only for another model (parameters/models/, issue 29). */
const isUltra = (p: INodeProperties) =>
	!p.displayOptions?.show?.model && !p.displayOptions?.show?.['/model'];
const jobFields = jobProperties();
const properties = jobFields.filter(isUltra);
const options = (jobFields.find((p) => p.name === 'options')?.options ?? []) as INodeProperties[];
const all = [...properties, ...options.filter(isUltra)];

describe('fields built from the parameter table', () => {
	it('give each field the default, range and choices of its table row', () => {
		for (const spec of [...PROVIDER_PARAMS, ...NODE_OPTION_PARAMS]) {
			const fields = all.filter((p) => p.name === spec.name);
			expect(fields.length, spec.name).toBeGreaterThan(0);
			for (const field of fields) {
				if (spec.kind === 'options')
					expect(field.options?.map((o) => (o as { value: string }).value)).toEqual(
						spec.values.map((v) => v.value),
					);
				if (spec.kind === 'integer' || spec.kind === 'number') {
					expect(field.typeOptions).toMatchObject({ minValue: spec.min, maxValue: spec.max });
				}
				if (spec.default !== undefined) expect(field.default, spec.name).toEqual(spec.default);
			}
		}
	});

	it('marks the prompt required for Generate and Generate with Fine-Tune only', () => {
		const prompts = properties.filter((p) => p.name === 'prompt');
		expect(prompts.map((p) => [p.displayOptions?.show?.operation, p.required ?? false])).toEqual([
			[['generate'], true],
			[['remix'], false],
			[['finetune'], true],
		]);
	});

	it('validates the UI defaults as a valid job (what a user gets without touching anything)', () => {
		const defaults = Object.fromEntries(
			properties
				.filter((p) => p.displayOptions?.show?.operation?.includes('generate') !== false)
				.map((p) => [p.name, p.default]),
		);
		const request = validateItemParameters({
			operation: 'generate',
			main: { ...defaults, prompt: 'x' },
			options: {},
			imageSource: 'none',
			imageUrl: undefined,
			binaryPropertyName: undefined,
		});
		expect(request.params.aspect_ratio).toBe('16:9');
	});

	it('lists the Options collection alphabetically, as n8n does', () => {
		const names = options.map((o) => o.displayName);
		expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
	});
});

describe('fields a provider can only refuse', () => {
	it('hides Sync Mode where only fal.ai has it, and Enhance Prompt on Replicate, and nothing else', () => {
		const options = new FluxUltra().description.properties.find((p) => p.name === 'options')!;
		// (Ultra's fields are also hidden for the other models: `/model`, tested in models.test.ts.)
		const hidden = Object.fromEntries(
			(options.options as INodeProperties[])
				.filter((p) => p.displayOptions?.hide?.['/provider'])
				.map((p) => [p.name, p.displayOptions?.hide?.['/provider']]),
		);
		expect(hidden).toEqual({
			syncMode: ['runflow', 'bfl', 'replicate'],
			enhancePrompt: ['replicate'],
		});
	});
});
