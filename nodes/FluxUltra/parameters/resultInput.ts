import type { INodeProperties } from 'n8n-workflow';

import { GET_RESULT, RESULT_INPUT, type NodeVersion } from './table';
import { ParameterError } from '../transport/errors';

/**
 * Get Result's top-level fields in the editor, from the table's RESULT_INPUT. Version 2 keeps only
 * Request ID there; its Job Links sits in Options (parameters/ui.ts).
 */
export function resultInputProperties(version: NodeVersion = 1): INodeProperties[] {
	const { requestId, links } = RESULT_INPUT;
	// Plain identifiers, so n8n's lint can see that each field has a default.
	const requestIdDefault = requestId.default;
	const linksDefault = links.default;
	const requestIdField: INodeProperties = {
		displayName: requestId.displayName,
		name: requestId.name,
		type: 'string',
		default: requestIdDefault,
		required: true,
		description: requestId.description,
		displayOptions: { show: { operation: [GET_RESULT] } },
	};
	if (version !== 1) return [requestIdField];
	return [
		requestIdField,
		{
			displayName: links.displayName,
			name: links.name,
			type: 'json',
			default: linksDefault,
			description: links.description,
			displayOptions: { show: { operation: [GET_RESULT] } },
		},
	];
}

/**
 * A request ID as the providers write them: letters, digits and - _ . : only, and not dots alone
 * ("." and ".." are path steps: `…/requests/../status` would read another path on the API host).
 */
const REQUEST_ID = /^(?!\.+$)[\w.:-]+$/;

/** Validates Get Result's Request ID: the ID of one job, nothing that could reshape a URL. */
export function validateRequestId(value: unknown): string {
	const { displayName, maxLength } = RESULT_INPUT.requestId;
	const id =
		typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : value;
	if (typeof id !== 'string' || id === '') {
		throw new ParameterError(
			displayName,
			'is required: map the "requestId" of an item Generate or Remix put out with Wait for Completion off',
			value,
		);
	}
	if (id.length > maxLength || !REQUEST_ID.test(id)) {
		throw new ParameterError(
			displayName,
			`must be one job's ID: up to ${maxLength} letters, digits, "-", "_", "." or ":"`,
			id.slice(0, 60),
		);
	}
	return id;
}

/** Validates Job Links: an object of link texts (or its JSON), or nothing. */
export function validateJobLinks(value: unknown): Record<string, unknown> {
	const { displayName } = RESULT_INPUT.links;
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
		return {};
	const parsed: unknown = typeof value === 'string' ? parseJson(value) : value;
	if (parsed === NOT_JSON) {
		throw new ParameterError(
			displayName,
			'is not JSON: map the "links" of the item Generate or Remix put out, or leave it empty',
			String(value).slice(0, 60),
		);
	}
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new ParameterError(
			displayName,
			'must be an object of links, as Generate or Remix put it out',
			parsed,
		);
	}
	return parsed as Record<string, unknown>;
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return NOT_JSON;
	}
}
