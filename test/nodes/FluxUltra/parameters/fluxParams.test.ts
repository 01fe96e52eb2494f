import { describe, expectTypeOf, it } from 'vitest';

import type { AspectRatio, OutputFormat } from '../../../../nodes/FluxUltra/parameters/table';
import type { FluxParams } from '../../../../nodes/FluxUltra/parameters/validation';

/**
 * FluxParams is derived from the parameter table, not written by hand: this pins what the table
 * gives today (`npm run typecheck` fails when the two part), so a field added to the table shows up
 * here, typed by its kind, without a second list to keep in step.
 */
describe('FluxParams, derived from the parameter table', () => {
	it('has every field with its kind: options as their values, Seed and the fine-tune fields optional', () => {
		expectTypeOf<FluxParams>().toEqualTypeOf<
			{
				prompt: string;
				aspect_ratio: AspectRatio;
				num_images: number;
				output_format: OutputFormat;
				enhance_prompt: boolean;
				image_prompt_strength: number;
				raw: boolean;
				safety_tolerance: number;
				sync_mode: boolean;
			} & {
				seed?: number | bigint;
				finetune_id?: string;
				finetune_strength?: number;
			}
		>();
	});
});
