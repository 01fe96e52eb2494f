import { describe, expect, it } from 'vitest';

import {
	readModelInputs,
	schemaInput,
	schemaRefusal,
	type ModelSchema,
} from '../../../../../nodes/FluxUltra/providers/runflow/runflow.schema';
import {
	validateItemParameters,
	type JobRequest,
} from '../../../../../nodes/FluxUltra/parameters/validation';

/** Reading Runflow's `inputs[]` defensively: only `name` and `is_required` are documented. */

const request = (
	main: Record<string, unknown> = {},
	options: Record<string, unknown> = {},
): JobRequest =>
	validateItemParameters({
		operation: 'generate',
		main: {
			prompt: 'a red kite',
			aspectRatio: '16:9',
			numImages: 1,
			outputFormat: 'jpeg',
			...main,
		},
		options,
		imageSource: 'none',
		imageUrl: undefined,
		binaryPropertyName: undefined,
	});

const schema = (inputs: unknown[]): ModelSchema => ({
	model: 'm',
	label: 'Test',
	inputs: readModelInputs({ inputs })!,
});

describe('readModelInputs', () => {
	it('answers nothing for what is not a model with named inputs: junk, an empty list, unnamed entries', () => {
		for (const body of [
			undefined,
			null,
			'nope',
			'<html>',
			{},
			{ inputs: [] },
			{ inputs: [{ id: 1 }, { name: '' }] },
			{ inputs: 'prompt' },
		]) {
			expect(readModelInputs(body)).toBeUndefined();
		}
	});

	it('reads types, choices, ranges and defaults only in shapes it recognises, and leaves the rest unknown', () => {
		const [a, b, c, d] = readModelInputs({
			data: {
				inputs: [
					{
						name: 'a',
						variable_type_code: 'VT_INTEGER',
						validator_attrs: { ge: 1, le: 4 },
						default_value: { value: 1 },
						is_required: false,
					},
					{
						name: 'b',
						variable_type_code: 'enum',
						validator_attrs: { options: [{ value: 'x', label: 'X' }, { value: 'y' }] },
						default_value: 'x',
					},
					{
						name: 'c',
						variable_type_code: 'mystery',
						validator_attrs: { choices: [{ nested: true }] },
						default_value: {},
						is_required: true,
					},
					{ name: 'd', variable_type_code: 42, validator_attrs: null, default_value: [1, 2] },
				],
			},
		})!;
		expect(a).toEqual({
			name: 'a',
			required: false,
			type: 'integer',
			choices: undefined,
			min: 1,
			max: 4,
			default: 1,
		});
		expect(b).toMatchObject({ type: 'string', choices: ['x', 'y'], default: 'x' });
		expect(c).toEqual({
			name: 'c',
			required: true,
			type: undefined,
			choices: undefined,
			min: undefined,
			max: undefined,
			default: undefined,
		});
		expect(d).toMatchObject({ type: undefined, default: undefined });
	});
});

describe('schemaRefusal and schemaInput', () => {
	it('refuses a required input the node has no field for, unless Runflow lists a default for it', () => {
		const base = [{ name: 'prompt', is_required: true }];
		expect(
			schemaRefusal(schema([...base, { name: 'style_id', is_required: true }]), request())?.message,
		).toMatch(/^Invalid value for "Operation": .*"style_id" that this node has no field for/);
		expect(
			schemaRefusal(
				schema([
					...base,
					{ name: 'style_id', is_required: true, default_value: { value: 'auto' } },
				]),
				request(),
			),
		).toBeUndefined();
	});

	it('a seed beyond 2^53 keeps every digit for an integer input, and is not refused as "not a number"', () => {
		const s = schema([
			{ name: 'prompt', is_required: true },
			{ name: 'seed', variable_type_code: 'integer' },
		]);
		const big = request({}, { seed: '18446744073709551615' });
		expect(schemaRefusal(s, big)).toBeUndefined();
		expect(schemaInput(s, big, undefined)).toEqual({
			prompt: 'a red kite',
			seed: 18446744073709551615n,
		});
		expect(schemaInput(s, request({}, { seed: 7 }), undefined)).toEqual({
			prompt: 'a red kite',
			seed: 7,
		});
	});

	it('a field at the node default is not sent and not refused, even when the model does not list it', () => {
		const s = schema([{ name: 'prompt', is_required: true }]);
		expect(schemaRefusal(s, request())).toBeUndefined();
		expect(schemaInput(s, request(), undefined)).toEqual({ prompt: 'a red kite' });
		expect(schemaRefusal(s, request({ aspectRatio: '1:1' }))?.message).toMatch(
			/^Invalid value for "Aspect Ratio": Runflow's Test model does not take it/,
		);
	});

	it("sends a field the node leaves at its default when Runflow's listed default differs", () => {
		const s = schema([
			{ name: 'prompt', is_required: true },
			{ name: 'aspect_ratio', variable_type_code: 'string', default_value: { value: '1:1' } },
		]);
		expect(schemaInput(s, request(), undefined)).toEqual({
			prompt: 'a red kite',
			aspect_ratio: '16:9',
		});
		expect(schemaInput(s, request({ aspectRatio: '1:1' }), undefined)).toEqual({
			prompt: 'a red kite',
		});
	});
});
