// The Anthropic TypeScript SDK against the router's Messages door, one scenario per run; prints what the SDK parsed as
// one JSON line. Settings come from the test: CLIENTS_DIR, ROUTER_ROOT_URL (no /v1: the SDK adds it), ROUTER_TOKEN, GROUP.
import { createRequire } from 'node:module';

const require = createRequire(`${process.env.CLIENTS_DIR}/package.json`);
const { Anthropic } = require('@anthropic-ai/sdk');

const client = new Anthropic({ baseURL: process.env.ROUTER_ROOT_URL, apiKey: process.env.ROUTER_TOKEN, maxRetries: 0 });
const model = process.env.GROUP;
const bash = { name: 'bash', description: 'Runs a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } };
const toolPrompt = "Create a file hello.txt containing 'router tool ok' using the shell";

const scenarios = {
  async text() {
    const message = await client.messages.create({ model, max_tokens: 200, messages: [{ role: 'user', content: 'Say hello' }] });
    return { text: message.content.filter(b => b.type === 'text').map(b => b.text).join(''), stop: message.stop_reason, usage: message.usage };
  },

  async stream() {
    const stream = client.messages.stream({ model, max_tokens: 200, messages: [{ role: 'user', content: 'Say hello' }] });
    let deltas = '';
    stream.on('text', text => { deltas += text; });
    const message = await stream.finalMessage();
    return { deltas, text: message.content.filter(b => b.type === 'text').map(b => b.text).join(''), stop: message.stop_reason, usage: message.usage };
  },

  // A tool round trip with thinking on: the signed thinking goes back with the result, as the API requires.
  async tools() {
    const messages = [{ role: 'user', content: toolPrompt }];
    const request = { model, max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 2048 }, tools: [bash] };
    const first = await client.messages.stream({ ...request, messages }).finalMessage();
    const call = first.content.find(b => b.type === 'tool_use');
    const thinking = first.content.find(b => b.type === 'thinking');
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'done' }] });
    const second = await client.messages.create({ ...request, messages });
    return {
      stop: first.stop_reason,
      call: { id: call.id, name: call.name, input: call.input },
      thinking: thinking ? { text: thinking.thinking, signed: thinking.signature.length > 0 } : null,
      text: second.content.filter(b => b.type === 'text').map(b => b.text).join(''),
    };
  },

  async count() {
    const counted = await client.messages.countTokens({ model, messages: [{ role: 'user', content: 'Say hello' }], tools: [bash] });
    return { input_tokens: counted.input_tokens };
  },

  async error() {
    try {
      await client.messages.create({ model: 'no-such-group', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
      return { thrown: false };
    } catch (error) {
      return { thrown: true, status: error.status, type: error.constructor.name, errorType: error.error?.error?.type, message: error.message };
    }
  },
};

const result = await scenarios[process.argv[2]]();
process.stdout.write(`${JSON.stringify(result)}\n`);
