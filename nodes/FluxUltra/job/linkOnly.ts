import type { INodeExecutionData } from 'n8n-workflow';

import { imageJson } from './imageItems';

/**
 * An output item for Download Image off: the image's link and metadata with no binary, and no
 * download request. The JSON has the keys of a downloaded image's item; what only the file could
 * tell is the provider's word (content type, size; `null` where it gives none, as Runflow, BFL and
 * Replicate give no size) or the format asked for, and `fileSize` is `null`. `fileName` is the name
 * the file would get, for a node that fetches the link later. (A sync-mode data URI has no link to
 * pass on, so it is still stored as binary: decoding it makes no request.)
 */
export function linkOnlyItem(
	args: Omit<Parameters<typeof imageJson>[0], 'kind' | 'size' | 'fileName' | 'fileSize'> & {
		itemIndex: number;
		/** The file name for an extension, as a downloaded image would get it. */
		fileName: (extension: string) => string;
	},
): INodeExecutionData {
	const png =
		(args.image.contentType ?? `image/${args.request.params.output_format}`) === 'image/png';
	const kind = png
		? { mimeType: 'image/png', extension: 'png' }
		: { mimeType: 'image/jpeg', extension: 'jpg' };
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
