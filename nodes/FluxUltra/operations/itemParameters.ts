import type { IExecuteFunctions } from 'n8n-workflow';

import {
	NODE_OPTION_PARAMS,
	nodeVersionOf,
	placementIn,
	type NodeOperation,
} from '../parameters/table';

/**
 * Per-item parameter reads without paying n8n's expression engine for what cannot differ between
 * items. n8n resolves every `getNodeParameter(name, i)` through its expression machinery, even for
 * a fixed value; over 1,000 items and a dozen parameters that was about a second of n8n's one
 * thread before the first job could start (the scale series of `npm run bench`). A parameter whose
 * stored value holds no expression anywhere is the same for every item: it is read once per
 * execution and handed out as a copy. One with an expression is read for each item, as before.
 */
const perExecution = new WeakMap<object, Map<string, { value: unknown }>>();

/** Whether a stored parameter value holds an n8n expression (a string starting with "="), at any depth. */
export function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(holdsExpression);
	if (value && typeof value === 'object') return Object.values(value).some(holdsExpression);
	return false;
}

function copy<T>(value: T): T {
	return value !== null && typeof value === 'object' ? (structuredClone(value) as T) : value;
}

/** `ctx.getNodeParameter(name, itemIndex, fallback)`, read once per execution when it holds no expression. */
export function itemParameter(
	ctx: IExecuteFunctions,
	name: string,
	itemIndex: number,
	fallback?: unknown,
): unknown {
	const stored = ctx.getNode().parameters?.[name];
	if (holdsExpression(stored)) return ctx.getNodeParameter(name, itemIndex, fallback);
	let cache = perExecution.get(ctx);
	if (!cache) perExecution.set(ctx, (cache = new Map()));
	let entry = cache.get(name);
	if (!entry) {
		entry = { value: ctx.getNodeParameter(name, itemIndex, fallback) };
		cache.set(name, entry);
	}
	return copy(entry.value);
}

/**
 * Whether a field is a main field (not in Options) for this operation in the node's version
 * (parameters/table.ts placementIn): version 1 as workflows saved before version 2 have it,
 * version 2 with every optional field in Options. No operation (an unknown one): nowhere.
 */
export function isMainField(
	ctx: IExecuteFunctions,
	spec: Parameters<typeof placementIn>[0],
	operation: NodeOperation | undefined,
): boolean {
	const version = nodeVersionOf(ctx.getNode().typeVersion);
	return operation !== undefined && placementIn(spec, operation, version) === 'main';
}

/**
 * One item's Options as the run reads them, for every operation: the Options collection, and the
 * node settings that a version shows as main fields (Download Image in version 1) read with them.
 */
export function readOptions(
	ctx: IExecuteFunctions,
	i: number,
	operation: NodeOperation | undefined,
): Record<string, unknown> {
	const options = { ...((itemParameter(ctx, 'options', i, {}) ?? {}) as Record<string, unknown>) };
	for (const spec of NODE_OPTION_PARAMS) {
		if (isMainField(ctx, spec, operation))
			options[spec.name] = itemParameter(ctx, spec.name, i, undefined);
	}
	return options;
}
