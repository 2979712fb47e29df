// Test fixture of signals_test.ts: listens for Ctrl-C, says "ready", reports the first SIGINT
// on stdout and stays alive until the second, which exits with 130 (or the test kills it).
// Its argument is the window (ms) within which a repeat of the first SIGINT is the same
// Ctrl-C ("repeat" on stdout): 0 takes every later SIGINT as a second Ctrl-C.
import { listenForInterrupt } from "../signals.ts";

const interrupt = listenForInterrupt({
  onFirst: () => console.log("aborted"),
  onRepeat: () => console.log("repeat"),
  sameWithinMs: Number(Deno.args[0]),
});
interrupt.signal.addEventListener("abort", () => {
  console.log(`reason ${(interrupt.signal.reason as Error).name}`);
});
setInterval(() => {}, 1000);
console.log("ready");
