import { describe, expect, it } from 'vitest';

import { PROVIDER_PARAMS } from '../../../../nodes/FluxUltra/parameters/table';
import {
	validateItemParameters,
	type RawItemParameters,
} from '../../../../nodes/FluxUltra/parameters/validation';
import { ParameterError } from '../../../../nodes/FluxUltra/transport/errors';

function raw(
	over: Partial<RawItemParameters> & {
		main?: Record<string, unknown>;
		options?: Record<string, unknown>;
	} = {},
): RawItemParameters {
	return {
		operation: 'generate',
		imageSource: 'none',
		imageUrl: undefined,
		binaryPropertyName: undefined,
		...over,
		main: { prompt: 'a mug', ...over.main },
		options: { ...over.options },
	};
}

function failure(input: RawItemParameters): ParameterError {
	let caught: unknown;
	try {
		validateItemParameters(input);
	} catch (error) {
		caught = error;
	}
	if (caught instanceof ParameterError) return caught;
	throw new Error(`expected a ParameterError, got ${String(caught)}`);
}

describe('validateItemParameters', () => {
	it("fills every unset field with fal.ai's documented default", () => {
		const request = validateItemParameters(raw());
		expect(request.params).toEqual({
			prompt: 'a mug',
			aspect_ratio: '16:9',
			num_images: 1,
			output_format: 'jpeg',
			enhance_prompt: false,
			image_prompt_strength: 0.1,
			raw: false,
			safety_tolerance: 2,
			sync_mode: false,
		});
		expect(request.image).toBeUndefined();
		expect(request.options).toEqual({
			binaryPropertyOutput: 'data',
			fileName: 'flux-{requestId}-{index}',
			timeoutMs: 600_000,
			maxImageBytes: 40 * 1024 * 1024,
			maxParallelJobs: 2,
			maxCostPerRunUsd: 0,
			downloadImage: true,
			waitForCompletion: true,
		});
	});

	it('maps every table row to its canonical name', () => {
		const request = validateItemParameters(
			raw({
				main: { aspectRatio: '9:21', numImages: 3, outputFormat: 'png' },
				options: {
					seed: 9,
					safetyTolerance: '6',
					raw: true,
					enhancePrompt: true,
					syncMode: true,
					imagePromptStrength: 0.7,
				},
			}),
		);
		const expected: Record<string, unknown> = {
			prompt: 'a mug',
			aspect_ratio: '9:21',
			num_images: 3,
			output_format: 'png',
			seed: 9,
			safety_tolerance: 6,
			raw: true,
			enhance_prompt: true,
			sync_mode: true,
			image_prompt_strength: 0.7,
		};
		expect(request.params).toEqual(expected);
		// Every row of Generate; the fine-tune rows belong to Generate with Fine-Tune (finetune.test.ts).
		expect(Object.keys(expected).sort()).toEqual(
			PROVIDER_PARAMS.filter((p) => 'generate' in p.operations)
				.map((p) => p.apiName)
				.sort(),
		);
	});

	it('accepts numbers and booleans that expressions deliver as text', () => {
		const request = validateItemParameters(
			raw({
				main: { numImages: ' 3 ' },
				options: { seed: '42', raw: 'TRUE', imagePromptStrength: '0.25', safetyTolerance: 5 },
			}),
		);
		expect(request.params).toMatchObject({
			num_images: 3,
			seed: 42,
			raw: true,
			image_prompt_strength: 0.25,
			safety_tolerance: 5,
		});
	});

	it('lets Remix run without a prompt but not without an image', () => {
		const ok = validateItemParameters(
			raw({
				operation: 'remix',
				main: { prompt: '' },
				imageSource: 'url',
				imageUrl: 'https://example.com/x.png',
			}),
		);
		expect(ok.params.prompt).toBe('');
		expect(ok.image).toEqual({ kind: 'url', url: 'https://example.com/x.png' });
		expect(failure(raw({ operation: 'remix', imageSource: 'none' })).field).toBe('Input Image');
	});

	it.each([
		['empty prompt', raw({ main: { prompt: '  ' } }), 'Prompt', 'is required and cannot be empty'],
		[
			'prompt that is an object',
			raw({ main: { prompt: { text: 'x' } } }),
			'Prompt',
			'must be text',
		],
		[
			'overlong prompt',
			raw({ main: { prompt: 'x'.repeat(10_001) } }),
			'Prompt',
			'must be at most 10000 characters long',
		],
		[
			'5 images',
			raw({ main: { numImages: 5 } }),
			'Number of Images',
			'must be a whole number from 1 to 4',
		],
		[
			'1.5 images',
			raw({ main: { numImages: 1.5 } }),
			'Number of Images',
			'must be a whole number from 1 to 4',
		],
		[
			'"three" images',
			raw({ main: { numImages: 'three' } }),
			'Number of Images',
			'must be a whole number from 1 to 4',
		],
		[
			'unknown ratio',
			raw({ main: { aspectRatio: '5:4' } }),
			'Aspect Ratio',
			'must be one of 21:9, 16:9, 4:3, 3:2, 1:1, 2:3, 3:4, 9:16, 9:21',
		],
		[
			'webp output',
			raw({ main: { outputFormat: 'webp' } }),
			'Output Format',
			'must be one of jpeg, png',
		],
		[
			'tolerance 7',
			raw({ options: { safetyTolerance: '7' } }),
			'Safety Tolerance',
			'must be one of 1, 2, 3, 4, 5, 6',
		],
		[
			'negative seed',
			raw({ options: { seed: -1 } }),
			'Seed',
			'must be a whole number from 0 to 18446744073709551615',
		],
		[
			'strength 1.5',
			raw({ options: { imagePromptStrength: 1.5 } }),
			'Image Prompt Strength',
			'must be a number from 0 to 1',
		],
		['raw "yes"', raw({ options: { raw: 'yes' } }), 'Raw', 'must be true or false'],
		[
			'ftp image URL',
			raw({ imageSource: 'url', imageUrl: 'ftp://example.com/a.png' }),
			'Image URL',
			'must be an https:// URL, not ftp:',
		],
		[
			'image URL with password',
			raw({ imageSource: 'url', imageUrl: 'https://u:p@example.com/a.png' }),
			'Image URL',
			'must not contain a user name or password',
		],
		[
			'not a URL',
			raw({ imageSource: 'url', imageUrl: 'product.png' }),
			'Image URL',
			'is not a valid URL (it must start with https://)',
		],
		[
			'broken data URI',
			raw({ imageSource: 'url', imageUrl: 'data:text/plain,hello' }),
			'Image URL',
			'is not a base64 image data URI',
		],
		[
			'blank binary field',
			raw({ imageSource: 'binary', binaryPropertyName: ' ' }),
			'Input Binary Field',
			'is required: name the binary field that holds the image',
		],
		[
			'timeout 5 s',
			raw({ options: { timeout: 5 } }),
			'Timeout (Seconds)',
			'must be a number of seconds from 10 to 3600',
		],
		[
			'an emptied File Name option',
			raw({ options: { fileName: ' ' } }),
			'File Name',
			'is required and cannot be empty',
		],
		[
			'output field with a space',
			raw({ options: { binaryPropertyOutput: 'my image' } }),
			'Put Output File in Field',
			'must be a field name of letters, digits, "_", "-" or "."',
		],
	])('rejects %s, naming the field', (_, input, field, problem) => {
		const error = failure(input);
		expect(error.field).toBe(field);
		expect(error.problem).toBe(problem);
		expect(error.message).toBe(`Invalid value for "${field}": ${problem}`);
	});
});
