import { NUM_IMAGES_ROW, promptRow, safetyRow } from './shared';
import type { ModelDeclaration } from './types';

/**
 * FLUX 3 Image: generate, edit and combine up to 10 reference images, resolution classes from 768sq
 * to 4k, `auto` aspect ratio, optional web grounding; a strict schema with no seed and no output
 * format (PNG out). Facts: docs/provider-facts.md BF-41…BF-47 — every BFL fact of this model is
 * UNCONFIRMED on BFL's own pages (see `unconfirmed`).
 */

const RATIOS = [
	'21:9',
	'2:1',
	'16:9',
	'3:2',
	'7:5',
	'4:3',
	'5:4',
	'1:1',
	'4:5',
	'3:4',
	'5:7',
	'2:3',
	'9:16',
	'1:2',
	'9:21',
] as const;

/** Megapixels of each resolution class (BF-45, leads: UNCONFIRMED), for the price rule and the docs. */
export const FLUX3_CLASS_MEGAPIXELS: Readonly<Record<string, number>> = {
	'768sq': 0.6,
	'1k': 1.05,
	'1.5k': 2.36,
	'2k': 4.2,
	'4k': 16.8,
};

export const FLUX_3_IMAGE: ModelDeclaration = {
	id: 'flux-3-image',
	displayName: 'FLUX 3 Image',
	description:
		'Generate, edit and combine up to 10 reference images, up to 4k (~16 MP); no seed; PNG out; priced per image by resolution',
	params: [
		promptRow(10),
		{
			kind: 'options',
			name: 'aspectRatio',
			apiName: 'aspect_ratio',
			displayName: 'Aspect Ratio',
			description:
				'Width-to-height ratio of the image; Auto lets the model choose (with Reference Images, the first one’s ratio)',
			placement: 'main',
			operations: { generate: 'optional' },
			default: 'auto',
			values: [{ name: 'Auto', value: 'auto' }, ...RATIOS.map((r) => ({ name: r, value: r }))],
		},
		{
			kind: 'options',
			name: 'resolution',
			apiName: 'resolution',
			displayName: 'Resolution',
			// It sets the price (4k is ~12× 1k): an AI Agent may not choose it.
			agentMaySet: false,
			description:
				'Size class of the image (equal pixel area at every ratio); the price is per image by class, 4k about 12 times 1k',
			placement: 'main',
			operations: { generate: 'optional' },
			default: '1k',
			values: [
				{ name: '768sq (~0.6 MP)', value: '768sq' },
				{ name: '1k (~1 MP)', value: '1k' },
				{ name: '1.5k (~2.4 MP)', value: '1.5k' },
				{ name: '2k (~4 MP)', value: '2k' },
				{ name: '4k (~16 MP)', value: '4k' },
			],
		},
		NUM_IMAGES_ROW,
		safetyRow(0, 4, 'FLUX 3 Image'),
		{
			kind: 'boolean',
			name: 'grounding',
			apiName: 'grounding',
			displayName: 'Grounding',
			description:
				'Whether the model may search the web and images to ground what it draws (on by default)',
			placement: 'options',
			operations: { generate: 'optional' },
			default: true,
		},
	],
	references: {
		max: 10,
		minSide: 256,
		maxMegapixels: 16,
		source: 'BF-44 (UNCONFIRMED), RP-27 (CONFIRMED: ≤ 10, ≥ 256×256, ≤ 16 MP)',
	},
	seed: false,
	// A 4k PNG is ~16.8 MP (BF-45, UNCONFIRMED): up to ~50 MB uncompressed RGB; 40 MB was sized for Ultra.
	maxImageSizeDefaultMb: 100,
	// BF-46 (UNCONFIRMED at BFL; fal's 1k $0.048 CONFIRMED, FA-38). An edit costs the same.
	price: {
		kind: 'perResolutionClass',
		field: 'resolution',
		usd: { '768sq': 0.041, '1k': 0.048, '1.5k': 0.07, '2k': 0.1, '4k': 0.607 },
	},
	outputMegapixels: (params) => FLUX3_CLASS_MEGAPIXELS[String(params.resolution)] ?? 16.8,
	lacks: {
		seed: 'the model has no seed',
		output_format: 'the model makes PNG files only',
		raw: 'the model has no raw mode',
		enhance_prompt: 'the model has no prompt upsampling',
		image_prompt_strength: 'the model takes Reference Images instead of an image prompt',
		megapixels: 'the model takes Resolution instead',
		sync_mode: 'the model has no sync mode',
		prompt_upsampling: 'the model has no prompt upsampling',
		guidance: 'the model takes no guidance',
		steps: 'the model takes no step count',
	},
	unconfirmed: {
		'BF-41': 'the endpoint (the maker’s own page not stored; many leads agree)',
		'BF-42': 'request fields; safety tolerance 0–4 (one lead says 0–7)',
		'BF-44': 'reference limits at the maker: 1–10, each ≥ 256×256 and ≤ 16 MP',
		'BF-45': 'output sizes per resolution class',
		'BF-46': 'prices per resolution class at the maker (1k $0.048 CONFIRMED, FA-38)',
		'BF-47': 'no webhook field',
	},
};
