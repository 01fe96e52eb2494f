import { FluxUltra } from '../../../../nodes/FluxUltra/FluxUltra.node';
import type { INodeProperties } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import {
	NODE_OPTION_PARAMS,
	PROVIDER_PARAMS,
	type IntegerSpec,
} from '../../../../nodes/FluxUltra/parameters/table';
import { jobProperties } from '../../../../nodes/FluxUltra/parameters/ui';
import { MODELS } from '../../../../nodes/FluxUltra/parameters/models';
import { validateItemParameters } from '../../../../nodes/FluxUltra/parameters/validation';
import { createHarness } from '../../../../testkit/harness/context';
import { GENERATE_PARAMS } from '../../../../testkit/harness/falNock';
import { useNock } from '../../../setupNock';

useNock();

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

describe('number fields say their range (issue 31, point 8)', () => {
	// n8n's number input clamps what is typed to its limits without a word (5 in Number of Images
	// stays 4, or 1): the hint under each number field states the range, from the table's min and max.
	const grouped = (n: number | bigint) => n.toLocaleString('en-US');
	const description = new FluxUltra().description;
	const walk = (props: INodeProperties[]): INodeProperties[] =>
		props.flatMap((p) =>
			p.type === 'collection' ? [p, ...walk(p.options as INodeProperties[])] : [p],
		);
	const numberFields = walk(description.properties).filter((p) => p.type === 'number');

	it('every number field of every node version has a hint with its table row’s range', () => {
		expect(numberFields.length).toBeGreaterThanOrEqual(8);
		for (const field of numberFields) {
			// A field shown only for some models is their row (parameters/models/); the others Ultra's or the node's.
			const shownFor = (field.displayOptions?.show?.model ??
				field.displayOptions?.show?.['/model']) as string[] | undefined;
			const rows = shownFor
				? MODELS.find((m) => m.id === shownFor[0])!.params
				: [...PROVIDER_PARAMS, ...NODE_OPTION_PARAMS];
			const spec = rows.find((s) => s.name === field.name);
			expect(spec?.kind === 'integer' || spec?.kind === 'number', field.name).toBe(true);
			if (spec?.kind !== 'integer' && spec?.kind !== 'number') continue;
			const max = spec.kind === 'integer' ? ((spec as IntegerSpec).bigMax ?? spec.max) : spec.max;
			expect(field.hint?.toLowerCase(), field.name).toContain(
				`from ${grouped(spec.min)} to ${grouped(max)}`,
			);
		}
		expect(numberFields.find((f) => f.name === 'numImages')?.hint).toBe(
			'A whole number from 1 to 4',
		);
		expect(numberFields.find((f) => f.name === 'timeout')?.hint).toBe('From 10 to 3,600 seconds');
	});

	it('an expression out of range is still refused with the field, the range and the item', async () => {
		const harness = createHarness({
			// An expression (the harness turns a function into one) that gives 5.
			params: { ...GENERATE_PARAMS, numImages: () => 5 },
		});
		const error = await harness.fail();
		expect(error.message).toBe(
			'Invalid value for "Number of Images": must be a whole number from 1 to 4 [item 0]',
		);
		expect(harness.requests).toHaveLength(0);
	});
});
