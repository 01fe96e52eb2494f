import { describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../../../testkit/harness/clock';
import { mockBflJob } from '../../../../testkit/harness/bflNock';
import { errorOf } from '../../../../testkit/harness/errorItems';
import { mockFalJob } from '../../../../testkit/harness/falNock';
import { runModel } from '../../../../testkit/harness/modelRun';
import { mockReplicateJob } from '../../../../testkit/harness/replicateNock';
import { useNock } from '../../../setupNock';

/**
 * FLUX.2 [flex] (issue 29): [pro]'s fields plus Prompt Upsampling, Guidance and Steps, each under
 * each provider's name (BFL BF-26, fal FA-29, Replicate RP-24 unconfirmed), left to the provider's
 * default when unset; fal's missing switch refused, not dropped.
 */

useNock();

const run = (provider: string, options: Record<string, unknown>) =>
	runModel(provider, 'flux-2-flex', options, { prompt: 'a lighthouse', continueOnFail: true });

describe('FLUX.2 [flex]', () => {
	it('on Black Forest Labs: /v1/flux-2-flex with prompt_upsampling, guidance and steps; unset guidance and steps are not sent', async () => {
		useVirtualClock();
		const set = mockBflJob({ model: 'flux-2-flex' });
		await run('bfl', { guidance: 7.5, steps: 30, promptUpsampling: false }).run();
		expect(set.submitted()).toMatchObject({ prompt_upsampling: false, guidance: 7.5, steps: 30 });
		const unset = mockBflJob({ model: 'flux-2-flex' });
		await run('bfl', {}).run();
		expect(unset.submitted()).toMatchObject({ prompt_upsampling: true });
		expect(unset.submitted()).not.toHaveProperty('guidance');
		expect(unset.submitted()).not.toHaveProperty('steps');
	});

	it('on fal.ai: guidance_scale and num_inference_steps; Prompt Upsampling off is refused before any request', async () => {
		useVirtualClock();
		const job = mockFalJob({ model: 'fal-ai/flux-2-flex' });
		const [out] = await run('fal', { guidance: 3, steps: 20 }).run();
		expect(job.submitted()).toMatchObject({ guidance_scale: 3, num_inference_steps: 20 });
		expect(job.submitted()).not.toHaveProperty('prompt_upsampling');
		// 1 MP at 5¢ (FA-34).
		expect(out[0].json).toMatchObject({ model: 'flux-2-flex', cost: { usd: 0.05 } });

		const off = run('fal', { promptUpsampling: false });
		const [refused] = await off.run();
		expect(off.requests).toHaveLength(0);
		expect(errorOf(refused[0])).toMatchObject({ field: 'Prompt Upsampling' });
		expect(errorOf(refused[0]).message).toContain(
			'fal.ai cannot honour it for FLUX.2 [flex]: fal.ai has no prompt upsampling switch for it (FA-29). Leave "Prompt Upsampling" on, or choose Black Forest Labs or Replicate',
		);
	});

	it('on Replicate: the unconfirmed names only when set away from the default', async () => {
		useVirtualClock();
		const plain = mockReplicateJob({
			model: 'black-forest-labs/flux-2-flex',
		});
		await run('replicate', {}).run();
		const input = plain.submitted()?.input as Record<string, unknown>;
		expect(input).not.toHaveProperty('prompt_upsampling');
		expect(input).not.toHaveProperty('guidance');
		const set = mockReplicateJob({ model: 'black-forest-labs/flux-2-flex' });
		await run('replicate', { guidance: 4, promptUpsampling: false }).run();
		expect(set.submitted()?.input).toMatchObject({ guidance: 4, prompt_upsampling: false });
	});

	it('Guidance outside 1.5–10 is refused with its range', async () => {
		const h = run('bfl', { guidance: 12 });
		const [out] = await h.run();
		expect(h.requests).toHaveLength(0);
		expect(errorOf(out[0]).message).toContain('"Guidance": must be a number from 1.5 to 10');
	});

	it('a [flex] field set for FLUX.2 [pro] (by a Model expression) is refused naming it', async () => {
		const h = runModel(
			'bfl',
			() => 'flux-2-pro',
			{ steps: 10 },
			{ prompt: 'x', storedParams: { model: '={{ $json.model }}' }, continueOnFail: true },
		);
		const [out] = await h.run();
		expect(errorOf(out[0]).message).toContain(
			'"Steps": is not a FLUX.2 [pro] parameter (only FLUX.2 [flex] has it',
		);
	});
});
