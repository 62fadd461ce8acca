// Streams a chat completion through the gateway with the official openai npm package.
// Usage: node stream.mjs http://127.0.0.1:PORT/v1
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.argv[2], apiKey: "lm-studio", maxRetries: 0, timeout: 10000 });
const stream = await client.chat.completions.create({
  model: "qwen/qwen3-4b-2507",
  messages: [{ role: "user", content: "What is a reverse proxy?" }],
  stream: true,
});
let text = "";
let chunks = 0;
let finish = "";
for await (const chunk of stream) {
  chunks++;
  for (const choice of chunk.choices) {
    text += choice.delta?.content ?? "";
    if (choice.finish_reason) finish = choice.finish_reason;
  }
}
console.log(`chunks>1 text=${chunks > 1 ? text : "(not streamed)"}`);
console.log(`finish=${finish}`);
