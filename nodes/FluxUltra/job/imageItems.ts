import type { IDataObject } from 'n8n-workflow';

import type { ImageCost } from './cost';
import type { JobRequest } from '../parameters/validation';
import type { JobResult, ResultImage } from '../providers/types';
import type { ImageKind } from './downloads';

/** Fills the File Name pattern and makes it safe as a file name; the extension is added here. */
export function fileNameFor(
	pattern: string,
	values: { requestId: string; index: number; item: number; seed?: number | string },
	extension: string,
): string {
	const filled = pattern.replace(/\{(requestId|index|item|seed)\}/g, (_, key: string) => {
		const v = values[key as keyof typeof values];
		return v === undefined ? '' : String(v);
	});
	const safe = filled
		.replace(/[^\w.-]+/g, '-')
		.replace(/^[.-]+|[.-]+$/g, '')
		.slice(0, 150);
	return `${safe || 'image'}.${extension}`;
}

/** The JSON of one output item: the same keys whichever provider ran the job. */
export function imageJson(args: {
	providerId: string;
	request: JobRequest;
	result: JobResult;
	image: ResultImage;
	imageIndex: number;
	/** Images the item asked for, when its images came from several requests; else the result's count. */
	imageCount?: number;
	kind: ImageKind;
	size: { width: number; height: number } | undefined;
	fileName: string;
	/** Null when the image was not downloaded (Download Image off). */
	fileSize: number | null;
	cost: ImageCost;
	/** What the file carries (Content Credentials, AI label): downloaded images only. */
	provenance?: IDataObject;
}): IDataObject {
	const { request, result, image } = args;
	return {
		provider: args.providerId,
		operation: request.operation,
		// A model beyond Ultra is named (Ultra's items keep the keys saved workflows were built on).
		...(request.model ? { model: request.model.id } : {}),
		// Whether a model job's fields were checked against the provider's schema read at run time.
		...(result.inputSchema ? { schema: result.inputSchema } : {}),
		requestId: result.requestId,
		imageIndex: args.imageIndex,
		imageCount: args.imageCount ?? result.images.length,
		// A model without a seed (FLUX 3 Image) reports none, whatever an answer holds.
		seed: request.model?.seed === false ? null : (result.seed ?? null),
		prompt: result.prompt ?? request.params.prompt,
		width: args.size?.width ?? image.width ?? null,
		height: args.size?.height ?? image.height ?? null,
		contentType: args.kind.mimeType,
		fileName: args.fileName,
		fileSize: args.fileSize,
		nsfw: image.nsfw ?? null,
		aspectRatio: request.params.aspect_ratio,
		url: image.url.startsWith('data:') ? null : image.url,
		cost: { ...args.cost },
		...(args.provenance ? { provenance: args.provenance } : {}),
	};
}
