// The OpenAI Node SDK against the router's Chat Completions door, one scenario per run; prints what the SDK parsed
// as one JSON line. Settings come from the test: CLIENTS_DIR (where npm installed the SDK), ROUTER_BASE_URL,
// ROUTER_TOKEN, GROUP.
import { createRequire } from 'node:module';

const require = createRequire(`${process.env.CLIENTS_DIR}/package.json`);
const { OpenAI } = require('openai');

const client = new OpenAI({ baseURL: process.env.ROUTER_BASE_URL, apiKey: process.env.ROUTER_TOKEN, maxRetries: 0 });
const model = process.env.GROUP;
const bash = {
  type: 'function',
  function: {
    name: 'bash',
    description: 'Runs a shell command',
    parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
  },
};

const scenarios = {
  async text() {
    const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Say hello' }] });
    return { content: completion.choices[0].message.content, finish: completion.choices[0].finish_reason, usage: completion.usage };
  },

  async stream() {
    const stream = await client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'Say hello' }], stream: true, stream_options: { include_usage: true },
    });
    let content = '';
    let finish = null;
    let usage = null;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        content += choice.delta?.content ?? '';
        finish = choice.finish_reason ?? finish;
      }
      usage = chunk.usage ?? usage;
    }
    return { content, finish, usage };
  },

  // A tool loop, streamed: the SDK assembles the tool call from its deltas; the result goes back as a tool message.
  async tools() {
    const messages = [{ role: 'user', content: "Create a file hello.txt containing 'router tool ok' using the shell" }];
    const first = await client.chat.completions.stream({ model, messages, tools: [bash] }).finalChatCompletion();
    const call = first.choices[0].message.tool_calls[0];
    messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'done' });
    const second = await client.chat.completions.create({ model, messages, tools: [bash] });
    return {
      finish: first.choices[0].finish_reason,
      call: { id: call.id, name: call.function.name, arguments: JSON.parse(call.function.arguments) },
      content: second.choices[0].message.content,
    };
  },

  async json_schema() {
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Greet me as JSON' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'greeting', strict: true,
          schema: { type: 'object', properties: { greeting: { type: 'string' } }, required: ['greeting'], additionalProperties: false },
        },
      },
    });
    return { parsed: JSON.parse(completion.choices[0].message.content) };
  },

  async image() {
    const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello to this image' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } }] }],
    });
    return { content: completion.choices[0].message.content };
  },

  async models() {
    const ids = [];
    for await (const entry of client.models.list()) {
      ids.push(entry.id);
    }
    return { ids };
  },

  // A refusal reaches the SDK as its typed error with the status and the message.
  async error() {
    try {
      await client.chat.completions.create({ model: 'no-such-group', messages: [{ role: 'user', content: 'hi' }] });
      return { thrown: false };
    } catch (error) {
      return { thrown: true, status: error.status, type: error.constructor.name, message: error.message, code: error.code };
    }
  },
};

const result = await scenarios[process.argv[2]]();
process.stdout.write(`${JSON.stringify(result)}\n`);
