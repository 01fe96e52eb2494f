import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { REPLICATE_API } from '../nodes/FluxUltra/providers/replicate/replicate.api';
import { credentialTestBaseUrl } from '../nodes/FluxUltra/shared/credentialTestUrl';

/**
 * Replicate API token, sent as `Authorization: Bearer`. The test reads the token's own account
 * (`GET /v1/account`): free, no prediction.
 */
export class ReplicateApi implements ICredentialType {
	name = 'replicateApi';

	displayName = 'Replicate API';

	icon: Icon = { light: 'file:replicate.svg', dark: 'file:replicate.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-flux-ultra/n8n-nodes-flux-ultra#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Token',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'Create a token at replicate.com/account/api-tokens. Tokens start with "r8_".',
			hint: 'Create a token at <a href="https://replicate.com/account/api-tokens" target="_blank">replicate.com/account/api-tokens</a> (it starts with r8_)',
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'e.g. https://replicate-proxy.example.com',
			description:
				'Leave empty to call Replicate directly. Set it only to send every request through a proxy or to a test server that serves the same API.',
			hint: 'Leave empty unless you send the requests through a proxy, or to a mock server (for trying the node without a key)',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: credentialTestBaseUrl(`"${REPLICATE_API.apiBase}"`),
			url: REPLICATE_API.accountPath,
			method: 'GET',
		},
	};
}
