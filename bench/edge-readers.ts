/**
 * Load for bench/edge-reads.ts, in a process of its own so that it does not slow the
 * process that measures: N closed loops of GET on one URL (or Unix socket path) until
 * stdin closes, then the number of answers on stdout.
 * node --import tsx bench/edge-readers.ts URL|unix:/path:/http/path N
 */
import { Agent, request } from "node:http";

const [target = "", concurrency = "200"] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const unix = target.startsWith("unix:") ? /^unix:([^:]+):(.*)$/.exec(target) : null;
let answers = 0;
let running = true;

function get(): Promise<void> {
  return new Promise((resolve, reject) => {
    const options = unix ? { socketPath: unix[1], path: unix[2], agent } : { agent };
    const req = unix ? request(options) : request(target, options);
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => {
        answers++;
        resolve();
      });
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      // A kept-alive socket closed as idle by the listener as this request went out: send again.
      if (req.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE")) get().then(resolve, reject);
      else reject(error);
    });
    req.end();
  });
}

async function loop(): Promise<void> {
  while (running) await get();
}

process.stdin.resume();
process.stdin.on("end", () => {
  running = false;
});
const loops = Array.from({ length: Number(concurrency) }, loop);
process.stdout.write("started\n");
await Promise.all(loops);
process.stdout.write(`${answers}\n`);
agent.destroy();
