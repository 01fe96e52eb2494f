// A credential's *Test* request as n8n sends it when the credential is saved, by running n8n's own
// code: packages/cli's CredentialsTester puts `credential.test.request` on a temporary node type as
// the `routing.request` of its one property and runs n8n-core's RoutingNode on it with the
// decrypted credential, which resolves every `={{ … }}` value with `$credentials` through n8n's
// expression engine and sends the request through `helpers.httpRequestWithAuthentication`
// (n8n-core 2.41.1 dist/execution-engine/routing-node.js). The node-type and workflow set-up below is
// the tester's; the credentials helper (which applies the credential's `authenticate` block) is the
// harness's, as in ./n8nHttp.ts.
import 'reflect-metadata';

import { createRequire } from 'node:module';

import {
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type INode,
	type INodeType,
} from 'n8n-workflow';

import { credentialsHelper, type SentRequest } from './n8nHttp';

const require = createRequire(import.meta.url);
const { ExecuteContext, RoutingNode } = require('n8n-core') as {
	ExecuteContext: new (...args: unknown[]) => unknown;
	RoutingNode: new (
		context: unknown,
		nodeType: INodeType,
		credentialsDecrypted: unknown,
	) => { runNode(): Promise<unknown> };
};

/** Runs `credential.test.request` as n8n's credential test does; resolves with n8n's answer or rejects with its error. */
export async function runCredentialTest(
	credential: ICredentialType,
	data: ICredentialDataDecryptedObject,
	log: SentRequest[],
): Promise<unknown> {
	const request = credential.test?.request;
	if (!request) throw new Error(`${credential.name} has no test request`);
	const nodeType: INodeType = {
		description: {
			displayName: 'Temp-Node',
			name: 'Temp-Node',
			group: ['transform'],
			version: 1,
			description: '',
			defaults: { name: 'Temp-Node' },
			inputs: ['main'],
			outputs: ['main'],
			credentials: [{ name: credential.name, required: true }],
			properties: [
				{ displayName: 'Temp', name: 'temp', type: 'string', routing: { request }, default: '' },
			],
		},
	} as unknown as INodeType;
	const node: INode = {
		id: 'temp-node',
		name: 'Temp-Node',
		type: 'Temp-Node',
		typeVersion: 1,
		position: [0, 0],
		parameters: { temp: '' },
		credentials: { [credential.name]: { id: 'cred-1', name: 'Test' } },
	};
	const nodeTypes = {
		getByName: () => nodeType,
		getByNameAndVersion: () => nodeType,
		getKnownTypes: () => ({}),
	};
	const workflow = new Workflow({
		id: 'credential-test',
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: nodeTypes as never,
	});
	const additionalData = {
		credentialsHelper: credentialsHelper({ [credential.name]: credential }, log),
		executionId: 'credential-test',
		instanceBaseUrl: 'http://localhost:5678/',
		restApiUrl: 'http://localhost:5678/rest',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		variables: {},
	};
	const inputData = { main: [[{ json: {} }]] };
	const context = new ExecuteContext(
		workflow,
		node,
		additionalData,
		'internal',
		{ resultData: { runData: {} } },
		0,
		inputData.main[0],
		inputData,
		{ node, data: {}, source: null },
		[],
	);
	const routing = new RoutingNode(context, nodeType, {
		id: 'cred-1',
		name: 'Test',
		type: credential.name,
		data,
	});
	return await routing.runNode();
}
