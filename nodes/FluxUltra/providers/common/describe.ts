import type { INodeProperties } from 'n8n-workflow';

import { OPERATION_NAMES, OPERATIONS, type Operation } from '../../parameters/table';
import { MODELS, ULTRA_MODEL, type ModelDeclaration } from '../../parameters/models';
import { PROVIDERS } from '../registry';
import type { EditorNotes, FluxProvider } from '../types';

/**
 * The provider-specific sentences of the editor, assembled from what each provider declares (its
 * capabilities and `editorNotes`), so that neutral text names no provider and a new provider adds
 * its own words in its own folder.
 */

/** "A", "A and B", "A, B and C" (or with `or`). */
export function listOf(names: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
	if (names.length <= 1) return names.join('');
	return `${names.slice(0, -1).join(', ')} ${conjunction} ${names[names.length - 1]}`;
}

const names = (providers: readonly FluxProvider[]) => providers.map((p) => p.displayName);
const notes = (key: keyof EditorNotes, providers: readonly FluxProvider[] = PROVIDERS) =>
	providers.flatMap((p) => (p.editorNotes?.[key] ? [p.editorNotes[key] as string] : []));
const sentence = (...parts: Array<string | undefined>) => parts.filter(Boolean).join(' ');

/** How to pick a provider in the editor: its credential and the Provider value, e.g. `a A or B credential (Provider "A" or "B")`. */
export function credentialChoice(providers: readonly FluxProvider[]): string {
	return `a ${listOf(names(providers), 'or')} credential (Provider ${listOf(
		providers.map((p) => `"${p.displayName}"`),
		'or',
	)})`;
}

/**
 * Why a provider cannot run an operation, in its own words, and where the operation can run: the
 * providers that can, as the editor names them. Undefined when it can.
 */
export function unsupportedReason(
	provider: FluxProvider,
	operation: Operation,
): string | undefined {
	const reason = provider.unsupported(operation);
	return reason ? withWayOut(provider, operation, reason) : undefined;
}

/**
 * A provider's own reason why it cannot run an operation, followed by where the operation can run
 * (the providers that can, as the editor names them), so no provider names another in its text.
 */
export function withWayOut(provider: FluxProvider, operation: Operation, reason: string): string {
	const able = PROVIDERS.filter((p) => p !== provider && !p.unsupported(operation));
	if (able.length === 0) return reason;
	const wayOut =
		operation === 'finetune'
			? 'A fine-tune runs where it was trained: pick'
			: `For ${OPERATION_NAMES[operation]}, pick`;
	return `${reason} ${wayOut} ${credentialChoice(able)}.`;
}

/**
 * A notice in the editor for each operation a provider cannot run, shown as soon as the user picks
 * that pair, so the run-time error is never the first they hear of it.
 */
export function unsupportedNotices(): INodeProperties[] {
	return PROVIDERS.flatMap((p) =>
		OPERATIONS.flatMap((operation) => {
			// A run-time condition (Remix on Runflow needs a model found only then) is a notice too.
			const reason = unsupportedReason(p, operation) ?? p.editorNotice?.(operation);
			if (!reason) return [];
			return [
				{
					displayName: reason,
					name: `${p.id}${operation[0].toUpperCase()}${operation.slice(1)}Notice`,
					type: 'notice' as const,
					default: '',
					displayOptions: { show: { provider: [p.id], operation: [operation] } },
				},
			];
		}),
	);
}

/**
 * The models this package's providers serve, for the Model field: Ultra (every provider's) and each
 * model with a line in at least one provider (a one-provider edition offers its provider's only).
 */
export function servedModels(models: readonly ModelDeclaration[] = MODELS): ModelDeclaration[] {
	return models.filter((m) => m.id === ULTRA_MODEL || PROVIDERS.some((p) => p.models?.[m.id]));
}

/**
 * A notice in the editor for each model a provider does not serve, shown as soon as the user picks
 * that pair, naming the providers that do (the run refuses it before any request too).
 */
export function modelNotices(): INodeProperties[] {
	return servedModels()
		.filter((m) => m.id !== ULTRA_MODEL)
		.flatMap((model) => {
			const serving = PROVIDERS.filter((p) => p.models?.[model.id]);
			// A provider without a line says where to go; one whose line is settled at run time says so.
			return PROVIDERS.filter((p) => !p.models?.[model.id] || p.models[model.id].notice).map(
				(p) => ({
					displayName:
						p.models?.[model.id]?.notice ??
						`${model.displayName} is not available on ${p.displayName}. Pick ${listOf(
							names(serving).map((n) => `"${n}"`),
							'or',
						)} as the Provider, or another model.`,
					name: `${p.id}${model.id.replace(/[^a-z0-9]+(.)/gi, (_, c: string) => c.toUpperCase()).replace(/^./, (c) => c.toUpperCase())}Notice`,
					type: 'notice' as const,
					default: '',
					displayOptions: {
						show: { provider: [p.id], operation: ['generate'], model: [model.id] },
					},
				}),
			);
		});
}

/** The providers that can run an operation, for its description, e.g. "A and B". */
export function providersFor(operation: Operation): string {
	return listOf(names(PROVIDERS.filter((p) => !p.unsupported(operation))));
}

/** What the providers add to each field's description, by n8n parameter name (see parameters/ui.ts). */
export function providerFieldNotes(): Record<string, string> {
	const perRequest = PROVIDERS.filter((p) => p.imagesPerRequest !== undefined);
	const canCancel = PROVIDERS.filter((p) => p.canCancel);
	const cannotCancel = PROVIDERS.filter((p) => !p.canCancel);
	const syncMode = PROVIDERS.filter((p) => p.fields.sync_mode.status !== 'refused');
	const finetune = PROVIDERS.filter((p) => !p.unsupported('finetune'));
	const verb = (list: readonly FluxProvider[], one: string, many: string) =>
		list.length === 1 ? one : many;
	return {
		finetuneId: sentence(
			`Fine-tunes run on ${listOf(names(finetune), 'or')}.`,
			...notes('finetuneId', finetune),
		),
		finetuneStrength: sentence(...notes('finetuneStrength', finetune)),
		numImages: perRequest.length
			? `${listOf(names(perRequest))} ${verb(perRequest, 'makes', 'make')} one image per request, so there each image is its own job.`
			: '',
		syncMode: sentence(
			syncMode.length
				? `Only ${listOf(names(syncMode))} ${verb(syncMode, 'has', 'have')} a sync mode: leave it off on the other providers.`
				: undefined,
			...notes('syncMode', syncMode),
		),
		timeout: sentence(
			canCancel.length ? `The job is then cancelled at ${listOf(names(canCancel))}.` : undefined,
			cannotCancel.length
				? `${listOf(names(cannotCancel))} ${verb(cannotCancel, 'offers', 'offer')} no cancel, so a job there may still finish and be billed.`
				: undefined,
		),
		maxParallelJobs: sentence(
			perRequest.length ? `One per image on ${listOf(names(perRequest))}.` : undefined,
			notes('maxParallelJobs').length ? `${notes('maxParallelJobs').join('; ')}.` : undefined,
		),
		downloadImage: notes('downloadImage').length
			? `Expiry: ${notes('downloadImage').join(', ')}.`
			: '',
		webhookUrl: notes('webhookUrl').length ? `Sent as ${listOf(notes('webhookUrl'))}.` : '',
	};
}
