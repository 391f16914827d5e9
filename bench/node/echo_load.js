// Closed-loop echo load from Node's @grpc/grpc-js (a pure-JS HTTP/2 stack, no gRPC C-core):
//   node bench/node/echo_load.js TARGET CLIENTS SECONDS
// Each client has its own channel and keeps one call in flight for SECONDS; prints one JSON line:
// {"calls", "errors", "seconds", "p50_ms", "p99_ms"}. Loopback only; bounded in time.
"use strict";
const path = require("path");

const [target, clientsArg, secondsArg] = process.argv.slice(2);
if (!/^(127\.|localhost|\[::1\])/.test(target || "")) {
  console.error("usage: echo_load.js 127.0.0.1:PORT CLIENTS SECONDS (loopback only)");
  process.exit(2);
}
const grpc = require(path.join(__dirname, "..", "..", "tools", "node", "node_modules", "@grpc", "grpc-js"));
const clients = Number(clientsArg || 16);
const seconds = Math.min(Number(secondsArg || 5), 120);
// google.protobuf.StringValue{value: "0123456789abcdef"}: field 1, length 16.
const payload = Buffer.concat([Buffer.from([0x0a, 16]), Buffer.from("0123456789abcdef")]);
const identity = (b) => b;
const latencies = [];
let errors = 0;
let stopping = false;

function loop(client, done) {
  if (stopping) return done();
  const began = process.hrtime.bigint();
  client.makeUnaryRequest("/bench.v1.EchoService/Echo", identity, identity, payload,
    { deadline: Date.now() + 10000 }, (err) => {
      if (err) errors += 1;
      else latencies.push(Number(process.hrtime.bigint() - began) / 1e6);
      setImmediate(() => loop(client, done));
    });
}

const made = [];
for (let i = 0; i < clients; i++) {
  made.push(new grpc.Client(target, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 }));
}
Promise.all(made.map((c) => new Promise((ok, fail) =>
  c.waitForReady(Date.now() + 10000, (err) => (err ? fail(err) : ok()))))).then(() => {
  const began = process.hrtime.bigint();
  let running = clients;
  const finish = () => {
    running -= 1;
    if (running > 0) return;
    const elapsed = Number(process.hrtime.bigint() - began) / 1e9;
    latencies.sort((a, b) => a - b);
    const at = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : 0);
    console.log(JSON.stringify({ calls: latencies.length, errors, seconds: elapsed, p50_ms: at(0.5), p99_ms: at(0.99) }));
    made.forEach((c) => c.close());
  };
  setTimeout(() => { stopping = true; }, seconds * 1000);
  made.forEach((c) => loop(c, finish));
}, (err) => {
  console.error(`could not connect: ${err.message}`);
  process.exit(1);
});
