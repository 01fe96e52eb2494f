import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { BFL_API } from '../nodes/FluxUltra/providers/bfl/bfl.api';
import { credentialTestBaseUrl } from '../nodes/FluxUltra/shared/credentialTestUrl';

const { hosts, finetuneHosts } = BFL_API;
/** A host as the editor shows it: without https://. */
const host = (url: string) => url.replace(/^https:\/\//, '');

/**
 * Black Forest Labs API key, sent as `x-key`. The Region picks BFL's API host (global with automatic
 * failover, or EU / US routing). The test reads the key's credit balance (`GET /v1/credits`): it
 * starts no job.
 */
export class BflApi implements ICredentialType {
	name = 'bflApi';

	displayName = 'Black Forest Labs API';

	icon: Icon = { light: 'file:bfl.svg', dark: 'file:bfl.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-flux-ultra/n8n-nodes-flux-ultra#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'Create a key in the BFL dashboard (dashboard.bfl.ai) under API keys',
			hint: 'Create a key at <a href="https://dashboard.bfl.ai/" target="_blank">dashboard.bfl.ai</a>: API → Keys → Add Key',
		},
		{
			displayName: 'Region',
			name: 'region',
			type: 'options',
			default: 'global',
			description: `Where BFL runs your jobs. Global routes to any cluster with automatic failover; EU keeps jobs in the EU. Fine-tunes run only in the region they were trained in, on ${host(finetuneHosts.eu)} (EU) or ${host(finetuneHosts.us)} (US, also used with Global): pick that region for Generate with Fine-Tune.`,
			options: [
				{ name: `Global (${host(hosts.global)})`, value: 'global' },
				{ name: `EU (${host(hosts.eu)})`, value: 'eu' },
				{ name: `US (${host(hosts.us)})`, value: 'us' },
			],
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'e.g. https://bfl-proxy.example.com',
			description:
				'Leave empty to call the host of the Region. Set it only to send every request through a proxy or to a test server that serves the same API; it then replaces the Region.',
			hint: 'Leave empty unless you send the requests through a proxy, or to a mock server (for trying the node without a key)',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				'x-key': '={{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: credentialTestBaseUrl(
				`$credentials.region === "eu" ? "${hosts.eu}" : $credentials.region === "us" ? "${hosts.us}" : "${hosts.global}"`,
			),
			url: BFL_API.creditsPath,
			method: 'GET',
		},
	};
}
