import OpenAI from "openai";

const client = new OpenAI({ baseURL: "{{ROUTER_URL}}/v1", apiKey: process.env.ROUTER_TOKEN });
const completion = await client.chat.completions.create({
  model: "{{GROUP}}",
  messages: [{ role: "user", content: "Say hello" }],
});
console.log(completion.choices[0].message.content);
