import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { RUNFLOW_API } from '../nodes/FluxUltra/providers/runflow/runflow.api';
import { credentialTestBaseUrl } from '../nodes/FluxUltra/shared/credentialTestUrl';

/**
 * Runflow API key. The test reads the key's own account (`GET /v1/auth/me`): free, no run, and the
 * check Runflow documents for "does this key work".
 */
export class RunflowApi implements ICredentialType {
	name = 'runflowApi';

	displayName = 'Runflow API';

	icon: Icon = { light: 'file:runflow.svg', dark: 'file:runflow.dark.svg' };

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
				'Create a key in the Runflow dashboard under API keys. Inference keys start with "rf_live_".',
			hint: 'Create a key at <a href="https://app.runflow.io/settings/api-keys" target="_blank">app.runflow.io → Settings → API Keys</a> (it starts with rf_live_)',
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'e.g. https://runflow-proxy.example.com',
			description:
				'Leave empty to call Runflow directly. Set it only to send every request through a proxy or to a test server that serves the same API.',
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
			baseURL: credentialTestBaseUrl(`"${RUNFLOW_API.apiBase}"`),
			url: RUNFLOW_API.authCheckPath,
			method: 'GET',
		},
	};
}
