// Test fixture of signals_test.ts: listens for Ctrl-C, says "ready", reports the first SIGINT
// on stdout and stays alive until the second, which exits with 130 (or the test kills it).
import { listenForInterrupt } from "../signals.ts";

const interrupt = listenForInterrupt({ onFirst: () => console.log("aborted") });
interrupt.signal.addEventListener("abort", () => {
  console.log(`reason ${(interrupt.signal.reason as Error).name}`);
});
setInterval(() => {}, 1000);
console.log("ready");
