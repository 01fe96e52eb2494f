import type { ModelDeclaration } from '../parameters/models';
import type { JobRequest } from '../parameters/validation';
import { PROVIDERS } from '../providers/registry';
import type { FluxProvider } from '../providers/types';
import { ParameterError } from '../transport/errors';

/** The providers of this package that serve a model (Ultra: every one). */
export function providersServing(model: ModelDeclaration): FluxProvider[] {
	return PROVIDERS.filter((p) => p.models?.[model.id] !== undefined);
}

/**
 * Where else a model runs, for a refusal: "Providers that serve it: A, B." — every provider of this
 * package with a line for it but `except` (the one that refused: a compiled line, or Runflow's
 * look-up that found nothing).
 */
export function servingNote(model: ModelDeclaration, except: FluxProvider | undefined): string {
	const serving = providersServing(model)
		.filter((p) => p !== except)
		.map((p) => p.displayName);
	return serving.length
		? `Providers that serve it: ${serving.join(', ')}.`
		: 'No provider of this package serves it.';
}

/** What a refusal by the Fallback Provider adds, so the user knows which field to change. */
export const asFallbackNote = (fallback: FluxProvider) =>
	` (${fallback.displayName} is the Fallback Provider: pick another one, or None)`;

/**
 * Refuses, before any request, a model item a provider it may run on (the Fallback Provider too)
 * cannot take: a model the provider does not serve, naming the providers that do; more references
 * than the provider takes; a webhook its endpoint for the model does not take.
 */
export function checkServed(
	request: JobRequest,
	providers: readonly FluxProvider[],
	fallback: FluxProvider | undefined,
): void {
	const model = request.model;
	if (!model) return;
	for (const p of providers) {
		const asFallback = p === fallback ? asFallbackNote(p) : '';
		const line = p.models?.[model.id];
		if (!line) {
			throw new ParameterError(
				'Model',
				`${model.displayName} is not available on ${p.displayName}${asFallback}. ${servingNote(model, p)}`,
				model.id,
			);
		}
		const count = request.references?.length ?? 0;
		const max = Math.min(model.references?.max ?? 0, line.references?.max ?? 0);
		if (count > max)
			throw new ParameterError(
				'Reference Images',
				`${count} reference images; ${model.displayName} on ${p.displayName} takes at most ${max}${asFallback}`,
				count,
			);
		const params = request.params as unknown as Record<string, unknown>;
		for (const [name, field] of Object.entries(line.fields)) {
			if (!('refused' in field)) continue;
			const value = params[name];
			if (value === undefined || value === field.accepts) continue;
			const row = model.params.find((r) => r.apiName === name);
			// Where to go instead: the providers whose line for the model sends the field.
			const taking = providersServing(model).filter((other) => {
				const line = other.models?.[model.id];
				const theirs = line?.fields[name];
				// A line settled only at run time (Runflow's look-up, `notice`) is no sure way out.
				return theirs !== undefined && 'wire' in theirs && !line?.notice;
			});
			const instead = taking.length
				? `, or choose ${taking.map((t) => t.displayName).join(' or ')}`
				: '';
			throw new ParameterError(
				row?.displayName ?? name,
				`${p.displayName} cannot honour it for ${model.displayName}: ${field.refused}${instead}${asFallback}`,
				value,
			);
		}
		if (request.options.webhookUrl && 'refused' in line.webhook)
			throw new ParameterError(
				'Completion Webhook URL',
				`${line.webhook.refused}${asFallback}`,
				request.options.webhookUrl,
			);
	}
}
