import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic({ baseURL: "{{ROUTER_URL}}", apiKey: process.env.ROUTER_TOKEN });
const message = await client.messages.create({
  model: "{{GROUP}}",
  max_tokens: 1024,
  messages: [{ role: "user", content: "Say hello" }],
});
console.log(message.content);
