import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { IMAGE_INPUT } from '../parameters/table';
import { ParameterError, type ImageInput } from '../parameters/validation';
import type { ImageBytes } from '../providers/types';
import { sniffImage } from './images';

/** Image types the Ultra endpoints take as input (fal's Redux form lists these). */
export const INPUT_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'];

/**
 * Checks, before any request, that the binary field an item names exists and holds an image.
 * Reads only metadata.
 */
export function checkInputBinary(ctx: IExecuteFunctions, itemIndex: number, image: ImageInput | undefined): void {
	if (image?.kind !== 'binary') return;
	const field = IMAGE_INPUT.binary.displayName;
	const binary = findBinary(ctx, itemIndex, image.property);
	if (!binary) {
		const present = Object.keys(ctx.getInputData()[itemIndex]?.binary ?? {});
		throw new ParameterError(
			field,
			`the incoming item has no binary field "${image.property}"${present.length ? ` (it has: ${present.join(', ')})` : ' (it has no binary data)'}`,
			image.property,
		);
	}
	if (binary.mimeType && !binary.mimeType.startsWith('image/') && binary.mimeType !== 'application/octet-stream') {
		throw new ParameterError(field, `the file in "${image.property}" is ${binary.mimeType}, not an image`, image.property);
	}
}

/** The item's binary entry as n8n resolves it (whatever its binary mode), or undefined. */
function findBinary(ctx: IExecuteFunctions, itemIndex: number, property: string): IBinaryData | undefined {
	try {
		return ctx.helpers.assertBinaryData(itemIndex, property);
	} catch {
		return undefined;
	}
}

/** Loads the bytes of an item's input image and checks they really are an accepted image. */
export async function loadInputBinary(
	ctx: IExecuteFunctions,
	itemIndex: number,
	property: string,
): Promise<ImageBytes> {
	const bytes = await ctx.helpers.getBinaryDataBuffer(itemIndex, property);
	const kind = sniffImage(bytes);
	if (!kind || !INPUT_IMAGE_TYPES.includes(kind.mimeType)) {
		throw new ParameterError(
			IMAGE_INPUT.binary.displayName,
			`the file in "${property}" is not a JPEG, PNG, WebP, GIF or AVIF image`,
			property,
		);
	}
	const fileName = findBinary(ctx, itemIndex, property)?.fileName ?? `input.${kind.extension}`;
	return { bytes, mimeType: kind.mimeType, fileName };
}
