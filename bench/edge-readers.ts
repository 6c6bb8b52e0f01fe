/**
 * Load for bench/edge-reads.ts, in a process of its own so that it does not slow the
 * process that measures: N closed loops of GET on one URL (or Unix socket path). They
 * start paused; a `resume` line on stdin runs them, `pause` holds them after their
 * current request; when stdin closes they stop and the number of answers goes to stdout.
 * node --import tsx bench/edge-readers.ts URL|unix:/path:/http/path N
 */
import { Agent, request } from "node:http";
import { createInterface } from "node:readline";

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

let resumed: Promise<void> | undefined;
let resume = () => {};
const pause = () => {
  resumed ??= new Promise<void>((wake) => {
    resume = () => {
      resumed = undefined;
      wake();
    };
  });
};
pause();

async function loop(): Promise<void> {
  while (running) {
    if (resumed) await resumed;
    if (running) await get();
  }
}

createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line === "pause") {
      pause();
      process.stdout.write("paused\n");
    } else if (line === "resume") {
      resume();
      process.stdout.write("resumed\n");
    }
  })
  .on("close", () => {
    running = false;
    resume();
  });
const loops = Array.from({ length: Number(concurrency) }, loop);
process.stdout.write("started\n");
await Promise.all(loops);
process.stdout.write(`${answers}\n`);
agent.destroy();
