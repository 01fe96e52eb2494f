import type { INodeExecutionData } from 'n8n-workflow';

import { imageJson } from '../helpers/output';
import type { JobRequest } from '../parameters/validation';
import type { JobResult, ResultImage } from '../providers/types';
import type { ImageCost } from './cost';

/**
 * An output item for Download Image off: the image's link and metadata with no binary, and no
 * download request. The JSON has the keys of a downloaded image's item; what only the file could
 * tell is the provider's word (content type, size; `null` where it gives none, as Runflow, BFL and
 * Replicate give no size) or the format asked for, and `fileSize` is `null`. `fileName` is the name
 * the file would get, for a node that fetches the link later. (A sync-mode data URI has no link to
 * pass on, so it is still stored as binary: decoding it makes no request.)
 */
export function linkOnlyItem(args: {
	providerId: string;
	request: JobRequest;
	result: JobResult;
	image: ResultImage;
	imageIndex: number;
	imageCount?: number;
	itemIndex: number;
	fileName: (extension: string) => string;
	cost: ImageCost;
}): INodeExecutionData {
	const png = (args.image.contentType ?? `image/${args.request.params.output_format}`) === 'image/png';
	const kind = png ? { mimeType: 'image/png', extension: 'png' } : { mimeType: 'image/jpeg', extension: 'jpg' };
	return {
		json: imageJson({
			...args,
			kind,
			size: undefined,
			fileName: args.fileName(kind.extension),
			fileSize: null,
		}),
		pairedItem: { item: args.itemIndex },
	};
}
