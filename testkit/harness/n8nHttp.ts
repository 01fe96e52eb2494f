// The HTTP helpers of the test context are n8n's own code, not a model of it: n8n-core 2.41.1 (the
// version n8n 2.41.1, our primary e2e host, ships) with its @n8n/backend-network 1.15.1.
//
// - `helpers.httpRequest` is what n8n-core's `getRequestHelperFunctions` returns
//   (n8n-core dist/execution-engine/node-execution-context/utils/request-helpers/factory.js):
//   `Container.get(OutboundHttp).requests().request(options)`, i.e. `convertN8nRequestToAxios` +
//   axios, with `disableFollowRedirect` → `maxRedirects: 0`, `timeout`, `encoding: 'stream'`,
//   `returnFullResponse`, `ignoreHttpStatusErrors` exactly as in production.
// - `helpers.httpRequestWithAuthentication` calls n8n-core's own
//   `httpRequestWithAuthentication` (request-helpers/authentication.js), which among other things
//   replaces the request's `abortSignal` with the execution's cancel signal and wraps every failure
//   in a NodeApiError. Only the credentials helper (packages/cli's CredentialsHelper) is ours: it
//   applies the credential's generic `authenticate` block (headers and query string, with
//   `{{$credentials.x}}` templates), which is what CredentialsHelper.authenticate does for a
//   generic credential.
import 'reflect-metadata';

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type {
	IAdditionalCredentialOptions,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
} from 'n8n-workflow';

const require = createRequire(import.meta.url);

interface OutboundHttpLike {
	requests(): { request(options: IHttpRequestOptions): Promise<unknown> };
}
type AuthenticatedRequest = (
	this: IExecuteFunctions,
	credentialsType: string,
	requestOptions: IHttpRequestOptions,
	workflow: unknown,
	node: INode,
	additionalData: unknown,
	additionalCredentialOptions?: IAdditionalCredentialOptions,
) => Promise<unknown>;

const { Container } = require('@n8n/di') as { Container: { get<T>(token: unknown): T } };
const { OutboundHttp } = require('@n8n/backend-network') as { OutboundHttp: unknown };
const coreDir = dirname(require.resolve('n8n-core/package.json'));
const { httpRequestWithAuthentication } = require(
	join(
		coreDir,
		'dist/execution-engine/node-execution-context/utils/request-helpers/authentication.js',
	),
) as { httpRequestWithAuthentication: AuthenticatedRequest };

const { getRequestHelperFunctions } = require(
	join(coreDir, 'dist/execution-engine/node-execution-context/utils/request-helpers/factory.js'),
) as {
	getRequestHelperFunctions: (
		workflow: unknown,
		node: unknown,
		additionalData: unknown,
	) => { getSecureEgressFilter(policy?: string): unknown };
};

/**
 * n8n 2.x's `helpers.getSecureEgressFilter`, as n8n-core's request-helpers factory builds it (with
 * n8n-core's own @n8n/backend-network, 1.15.1): the instance SSRF policy, with its DNS resolver.
 * n8n 1.x has no such helper; the harness offers it only when a test asks (HarnessOptions.n8nEgressFilter).
 */
export function n8nSecureEgressFilter(policy?: string): unknown {
	return getRequestHelperFunctions({}, { name: 'FLUX 1.1 Ultra' }, {}).getSecureEgressFilter(
		policy,
	);
}

/** One request as the node handed it to n8n, signed where it was, for assertions. */
export interface SentRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body?: Buffer;
}

function logEntry(options: IHttpRequestOptions): SentRequest {
	let url: URL;
	try {
		url = new URL(options.url, options.baseURL);
	} catch {
		// Not a URL n8n can send to (it fails the request itself): logged as written.
		url = new URL(`invalid:${options.baseURL ?? ''}${options.url}`);
	}
	for (const [k, v] of Object.entries(options.qs ?? {}))
		if (v !== undefined) url.searchParams.set(k, String(v));
	const headers: Record<string, string> = {};
	for (const [k, v] of Object.entries(options.headers ?? {}))
		if (v !== undefined) headers[k.toLowerCase()] = String(v);
	const body = Buffer.isBuffer(options.body)
		? options.body
		: typeof options.body === 'string'
			? Buffer.from(options.body)
			: undefined;
	return { method: (options.method ?? 'GET').toUpperCase(), url: url.toString(), headers, body };
}

const networkDist = dirname(require.resolve('@n8n/backend-network'));
const axiosRequestModule = require(join(networkDist, 'http/axios/request.js')) as {
	convertN8nRequestToAxios(options: IHttpRequestOptions, ssrf?: unknown): Record<string, unknown>;
	removeEmptyBody(options: IHttpRequestOptions): void;
};
const { invokeAxios } = require(join(networkDist, 'http/axios/invoke.js')) as {
	invokeAxios(
		config: Record<string, unknown>,
		auth?: unknown,
	): Promise<{
		data: unknown;
		headers: unknown;
		status: number;
		statusText: string;
	}>;
};

/** Agents a test gives n8n 1.x's client (a `lookup` that makes a test name resolve to loopback). */
export interface TestAgents {
	httpAgent?: unknown;
	httpsAgent?: unknown;
}

/**
 * n8n 1.x's `helpers.httpRequest` (n8n-core 1.122.48, what n8n 1.123 ships, read in
 * request-helper-functions.js `httpRequest`): the same conversion to axios as 2.x (whose code is
 * used here) but with `maxContentLength: -1` and `maxBodyLength: -1`, so axios hands a streamed
 * answer over as the response itself (an IncomingMessage, with its socket) instead of wrapping it in
 * `Readable.from`; no SSRF bridge, no egress filter. `agents` replaces the agents n8n would build
 * (a test's own DNS answer); the harness passes none by default.
 */
export async function n8n1HttpRequest(
	options: IHttpRequestOptions,
	log: SentRequest[],
	agents?: TestAgents,
): Promise<unknown> {
	log.push(logEntry(options));
	axiosRequestModule.removeEmptyBody(options);
	const config = axiosRequestModule.convertN8nRequestToAxios(options);
	config.maxContentLength = -1;
	config.maxBodyLength = -1;
	if (config.data === undefined || String(config.method ?? '').toUpperCase() === 'GET')
		delete config.data;
	if (agents?.httpAgent) config.httpAgent = agents.httpAgent;
	if (agents?.httpsAgent) config.httpsAgent = agents.httpsAgent;
	const result = await invokeAxios(config, options.auth);
	if (!options.returnFullResponse) return result.data;
	return {
		body: result.data,
		headers: result.headers,
		statusCode: result.status,
		statusMessage: result.statusText,
	};
}

/** n8n's `helpers.httpRequest`. */
export async function n8nHttpRequest(
	options: IHttpRequestOptions,
	log: SentRequest[],
): Promise<unknown> {
	log.push(logEntry(options));
	return await Container.get<OutboundHttpLike>(OutboundHttp).requests().request(options);
}

/** Resolves n8n's `={{$credentials.x}}` templates, the only expression form our credentials use. */
export function resolveCredentialTemplate(
	template: string,
	data: ICredentialDataDecryptedObject,
): string {
	const body = template.startsWith('=') ? template.slice(1) : template;
	return body.replace(/\{\{\s*\$credentials\??\.(\w+)\s*\}\}/g, (_, key: string) =>
		String(data[key] ?? ''),
	);
}

/**
 * The part of packages/cli's CredentialsHelper that n8n-core calls: a generic `authenticate` block
 * is applied to the request (headers, query string); no OAuth, no pre-authentication.
 */
export function credentialsHelper(
	types: Record<string, ICredentialType>,
	log: SentRequest[],
): Record<string, (...args: never[]) => unknown> {
	return {
		getParentTypes: () => [],
		preAuthentication: async () => undefined,
		async authenticate(
			data: ICredentialDataDecryptedObject,
			type: string,
			options: IHttpRequestOptions,
		) {
			const auth = types[type]?.authenticate;
			if (!auth || typeof auth === 'function')
				throw new Error(`test harness: no generic authenticate for ${type}`);
			const headers = { ...(options.headers ?? {}) } as Record<string, string>;
			for (const [name, value] of Object.entries(auth.properties.headers ?? {})) {
				headers[name] = resolveCredentialTemplate(String(value), data);
			}
			const qs = { ...(options.qs ?? {}) } as Record<string, string>;
			for (const [name, value] of Object.entries(auth.properties.qs ?? {})) {
				qs[name] = resolveCredentialTemplate(String(value), data);
			}
			const signed = { ...options, headers, ...(Object.keys(qs).length ? { qs } : {}) };
			log.push(logEntry(signed));
			return signed;
		},
	};
}

/** n8n's `helpers.httpRequestWithAuthentication`, bound to a context (its `this`). */
export function n8nHttpRequestWithAuthentication(
	types: Record<string, ICredentialType>,
	log: SentRequest[],
): (
	this: IExecuteFunctions,
	type: string,
	options: IHttpRequestOptions,
	more?: IAdditionalCredentialOptions,
) => Promise<unknown> {
	const additionalData = { credentialsHelper: credentialsHelper(types, log) };
	return async function (
		this: IExecuteFunctions,
		type: string,
		options: IHttpRequestOptions,
		more?: IAdditionalCredentialOptions,
	) {
		return await httpRequestWithAuthentication.call(
			this,
			type,
			options,
			{},
			this.getNode(),
			additionalData,
			more,
		);
	};
}
