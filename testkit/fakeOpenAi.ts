import { createServer, type ServerResponse } from 'node:http';

import { listenLoopback, readBody, sendJson } from './mocks/loopback';

/**
 * A loopback fake of OpenAI's chat-completions API (`POST {baseURL}/chat/completions`), the one
 * n8n's OpenAI Chat Model node calls through LangChain's ChatOpenAI when "Use Responses API" is off
 * (node version ≤ 1.2 has no such switch). It plays a model that uses one tool:
 *
 * 1. a conversation with no tool result yet → one tool call to `toolName` with `{ prompt }`;
 * 2. once the tool's answer is in the messages (`role: "tool"`) → a final answer quoting the image
 *    link (and size, seed) it read from that answer, so the agent's output proves the model could
 *    use what the tool returned.
 *
 * Every request is kept (`requests`), and every tool result exactly as it arrived (`toolResults`),
 * so a test can say what the model was offered (the tool's name, description, JSON schema) and
 * what it was given back. Streamed requests (`stream: true`) get the same answers as SSE chunks.
 */

export interface ChatRequest {
	model: string;
	stream?: boolean;
	messages: Array<{
		role: string;
		content: unknown;
		tool_call_id?: string;
		tool_calls?: unknown[];
	}>;
	tools?: Array<{
		type: 'function';
		function: { name: string; description?: string; parameters?: Record<string, unknown> };
	}>;
}

export interface FakeOpenAi {
	/** Base URL for the openAiApi credential's "Base URL" field (ends in /v1). */
	url: string;
	requests: ChatRequest[];
	/** The `content` of every `role: "tool"` message, as the model received it. */
	toolResults: string[];
	/** The final answers sent. */
	answers: string[];
	/** The prompt the "model" puts in its next tool call (a test may change it between runs). */
	prompt: string;
	close(): Promise<void>;
}

export interface FakeOpenAiOptions {
	/** The tool to call: n8n names a node's tool after the node (`nodeNameToToolName`: "Generate image" → "Generate_image"). */
	toolName: string;
	/** The prompt the "model" chooses for its first tool call. */
	prompt: string;
}

/** What the fake says once it has read the tool's result. */
export function finalAnswer(toolResult: string): string {
	let images: Array<Record<string, unknown>>;
	try {
		const parsed = JSON.parse(toolResult) as unknown;
		images = (Array.isArray(parsed) ? parsed : [parsed]) as Array<Record<string, unknown>>;
	} catch {
		return `The tool answered with something that is not JSON (${toolResult.length} characters).`;
	}
	// An error is the node's `{ message, … }` or, from n8n itself, a plain message.
	const errorText = (error: unknown) =>
		typeof error === 'string'
			? error
			: String((error as { message?: unknown } | undefined)?.message ?? '');
	const lines = images.map((image) =>
		image.error && image.width === undefined
			? `The image could not be made: ${errorText(image.error)}`
			: typeof image.url === 'string'
				? `Here is your image: ${image.url} (${String(image.width)}x${String(image.height)}, seed ${String(image.seed)})`
				: `The image was made (${String(image.width)}x${String(image.height)}, seed ${String(image.seed)}), but no link came back${image.error ? `: ${String(image.error)}` : ''}`,
	);
	return lines.join('\n') || 'The tool returned no image.';
}

export async function startFakeOpenAi(options: FakeOpenAiOptions): Promise<FakeOpenAi> {
	const requests: ChatRequest[] = [];
	const toolResults: string[] = [];
	const answers: string[] = [];
	let calls = 0;

	const server = createServer((req, res) => {
		void (async () => {
			const body = (await readBody(req)).toString('utf8');
			const path = new URL(req.url ?? '/', 'http://fake').pathname;
			if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
				return sendJson(res, 404, {
					error: {
						message: `The fake serves POST …/chat/completions only, not ${req.method} ${path}`,
						type: 'invalid_request_error',
					},
				});
			}
			if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
				return sendJson(res, 401, {
					error: { message: 'Missing API key', type: 'invalid_request_error' },
				});
			}
			const request = JSON.parse(body) as ChatRequest;
			requests.push(request);
			const results = request.messages
				.filter((m) => m.role === 'tool')
				.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
			let message: Record<string, unknown>;
			let finish: string;
			if (results.length === 0) {
				const offered = (request.tools ?? []).map((t) => t.function.name);
				if (!offered.includes(options.toolName)) {
					return sendJson(res, 400, {
						error: {
							message: `No tool "${options.toolName}" offered; tools: ${offered.join(', ') || 'none'}`,
							type: 'invalid_request_error',
						},
					});
				}
				calls++;
				message = {
					role: 'assistant',
					content: null,
					tool_calls: [
						{
							id: `call_fake_${calls}`,
							type: 'function',
							function: {
								name: options.toolName,
								arguments: JSON.stringify({ prompt: fake.prompt }),
							},
						},
					],
				};
				finish = 'tool_calls';
			} else {
				toolResults.push(...results);
				const answer = finalAnswer(results[results.length - 1]);
				answers.push(answer);
				message = { role: 'assistant', content: answer };
				finish = 'stop';
			}
			if (request.stream) return stream(res, request.model, message, finish);
			sendJson(res, 200, {
				id: `chatcmpl-fake-${requests.length}`,
				object: 'chat.completion',
				created: Math.floor(Date.now() / 1000),
				model: request.model,
				choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
				usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 },
			});
		})().catch((error: Error) =>
			sendJson(res, 500, { error: { message: error.message, type: 'server_error' } }),
		);
	});

	function stream(
		res: ServerResponse,
		model: string,
		message: Record<string, unknown>,
		finish: string,
	) {
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
			res.write(
				`data: ${JSON.stringify({ id: `chatcmpl-fake-${requests.length}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`,
			);
		const toolCalls = (message.tool_calls as Array<Record<string, unknown>> | undefined)?.map(
			(call, index) => ({ index, ...call }),
		);
		chunk(
			{
				role: 'assistant',
				content: toolCalls ? null : message.content,
				...(toolCalls ? { tool_calls: toolCalls } : {}),
			},
			null,
		);
		chunk({}, finish);
		res.end('data: [DONE]\n\n');
	}

	const loopback = await listenLoopback(server);
	const fake: FakeOpenAi = {
		url: `${loopback.url}/v1`,
		requests,
		toolResults,
		answers,
		prompt: options.prompt,
		close: loopback.close,
	};
	return fake;
}
