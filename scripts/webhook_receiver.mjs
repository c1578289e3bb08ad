// A merchant's webhook receiver on loopback, for the checks that need one: every delivery it
// gets, as { body, signature }, answered 200.
import { createServer } from "node:http";

export async function startWebhookReceiver() {
  const deliveries = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      deliveries.push({ body, signature: request.headers["x-commet-signature"] });
      response.writeHead(200).end();
    });
  });
  await new Promise((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    deliveries,
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => server.close(),
  };
}
