// Child process of timer_slack_test.ts (run with --allow-ffi for LIBC_PATHS):
// sets the main thread's slack to 1 ns, then starts a Worker, which reads
// its own slack (inherited, never set there). Prints one JSON line.
import { getTimerSlack, setTimerSlack } from "../timer_slack.ts";

const before = getTimerSlack();
const set = setTimerSlack(1);
const worker = new Worker(new URL("./timer_slack_worker.ts", import.meta.url), { type: "module" });
const inWorker = await new Promise<number | null>((resolve, reject) => {
  worker.onmessage = (e: MessageEvent<number | null>) => resolve(e.data);
  worker.onerror = (e) => {
    e.preventDefault();
    reject(new Error(e.message));
  };
});
worker.terminate();
console.log(JSON.stringify({ before, set, inWorker }));
