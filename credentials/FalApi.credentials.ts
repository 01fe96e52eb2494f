import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { FAL_API } from '../nodes/FluxUltra/providers/fal/fal.api';
import { credentialTestBaseUrl } from '../nodes/FluxUltra/shared/credentialTestUrl';

/**
 * fal.ai API key. The test asks fal's storage API for an upload slot: it needs a valid key, costs
 * nothing and starts no job (an upload slot that is never used expires on its own).
 */
export class FalApi implements ICredentialType {
	name = 'falApi';

	displayName = 'fal.ai API';

	icon: Icon = { light: 'file:fal.svg', dark: 'file:fal.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-flux-ultra/n8n-nodes-flux-ultra#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				'Create a key at fal.ai/dashboard/keys. Both "key" and "key_id:key_secret" forms work.',
			hint: 'Create a key (API scope) at <a href="https://fal.ai/dashboard/keys" target="_blank">fal.ai/dashboard/keys</a>',
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'e.g. https://fal-proxy.example.com',
			description:
				'Leave empty to call fal.ai directly. Set it only to send every request through a proxy or to a test server that serves the same API.',
			hint: 'Leave empty unless you send the requests through a proxy, or to a mock server (for trying the node without a key)',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Key {{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: credentialTestBaseUrl(`"${FAL_API.restBase}"`),
			url: FAL_API.uploadInitiate.path,
			method: 'POST',
			qs: { storage_type: FAL_API.uploadInitiate.storageType },
			body: { content_type: 'text/plain', file_name: 'n8n-credential-check.txt' },
		},
	};
}
