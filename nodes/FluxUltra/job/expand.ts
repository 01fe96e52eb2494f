import { SEED_BIG_MAX, SEED_MAX } from '../parameters/table';
import type { JobRequest } from '../parameters/validation';
import type { FluxProvider } from '../providers/types';

/**
 * Where one provider request sits among its item's images, when the provider makes fewer images
 * per request than the item asks for (BFL and Replicate make one): the item's request is split into
 * several, each a job of its own.
 */
export interface JobPart {
	/** Position of this request's first image among the item's images, from 0. */
	firstImage: number;
	/** Images the item asks for in all: what `imageCount` in the output counts. */
	imageCount: number;
	/** Shared by the parts of one item, so its input image is read, fetched or uploaded only once. */
	shared: { imageUrl?: Promise<string | undefined>; references?: Promise<string[]> };
}

/**
 * The seed of the image `offset` places after `seed`: seed, seed+1, …, exact at any size (a number up
 * to 2^53−1, a bigint beyond, as seeds travel), wrapping to 0 past the largest seed accepted.
 */
export function seedAt(seed: number | bigint, offset: number): number | bigint {
	let next = BigInt(seed) + BigInt(offset);
	if (next > SEED_BIG_MAX) next -= SEED_BIG_MAX + BigInt(1);
	return next <= BigInt(SEED_MAX) ? Number(next) : next;
}

/**
 * The provider requests one item makes: its request as it is, or, where the provider makes fewer
 * images per request than Number of Images, one request per group of images (one per image on BFL
 * and Replicate). With a Seed, the parts get seed, seed+1, … so the images differ, as they would
 * from one multi-image request; without one, each gets a random seed.
 */
export function splitRequest(
	provider: FluxProvider,
	request: JobRequest,
): Array<{ request: JobRequest; part?: JobPart }> {
	// A model other than Ultra makes one image per job on every provider (one code path: BF-33, FA-33).
	const perRequest = request.model ? 1 : provider.imagesPerRequest;
	const total = request.params.num_images;
	if (!perRequest || total <= perRequest) return [{ request }];
	const shared = {};
	const parts: Array<{ request: JobRequest; part: JobPart }> = [];
	for (let firstImage = 0; firstImage < total; firstImage += perRequest) {
		const seed = request.params.seed;
		parts.push({
			request: {
				...request,
				params: {
					...request.params,
					num_images: Math.min(perRequest, total - firstImage),
					...(seed === undefined ? {} : { seed: seedAt(seed, firstImage) }),
				},
			},
			part: { firstImage, imageCount: total, shared },
		});
	}
	return parts;
}
