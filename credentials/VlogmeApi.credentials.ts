import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class VlogmeApi implements ICredentialType {
	// Stable internal name: saved workflows and the nodes reference it.
	name = 'vlogmeApi';

	displayName = 'Vlogme API';

	icon: Icon = { light: 'file:../nodes/Vlogme/vlogme.svg', dark: 'file:../nodes/Vlogme/vlogme.dark.svg' };

	documentationUrl = 'https://vlogme.ai/docs/api';

	properties: INodeProperties[] = [
		{
			displayName: 'API Token',
			name: 'apiToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'vlm_live_...',
			description:
				'Create a token in Vlogme under Settings → API. It is shown only once. The API needs a paid plan (Basic or higher).',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://vlogme.ai/api/public/v1',
			required: true,
			description:
				'Change this only for the staging API (https://staging.vlogme.ai/api/public/v1) or a local Vlogme sandbox (for example http://127.0.0.1:4010/api/public/v1)',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiToken}}',
			},
		},
	};

	// n8n runs this request when the credential is saved. Each failure gets its own plain message;
	// an unreachable host is reported by n8n itself with the connection error code.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/me',
			method: 'GET',
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'Vlogme rejected this API token. Check that it was copied whole, or create a new one in Vlogme under Settings → API.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'This Vlogme account is on the Free plan. The API needs a Basic plan or higher: upgrade in Vlogme, then test again.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message:
						'No Vlogme API at this Base URL. It should end in /api/public/v1, for example https://vlogme.ai/api/public/v1.',
				},
			},
		],
	};
}
