// Child process of the memory check (bench/_lab_benches.ts machinePeakRss):
// runs the lab scenario for argv[0] seconds with the time series sampled
// every 100 ms, samples this process's RSS meanwhile, and prints one JSON
// line: { peakRss, vmHwm, samples } (bytes; vmHwm from /proc/self/status).

import { Machine } from "../lib/machine/machine.ts";
import { labScenario } from "./_lab_benches.ts";

function vmHwm(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    return m === null ? null : Number(m[1]) * 1024;
  } catch {
    return null; // not Linux, or no permission: the sampled peak stands alone
  }
}

const seconds = Number(Deno.args[0]);
if (!(seconds > 0)) throw new Error(`expected a duration in seconds, got ${Deno.args[0]}`);
const m = await Machine.start({ run: labScenario(), placement: "io", seed: 1 });
const samples: number[] = [];
let peakRss = 0;
try {
  m.begin();
  const t0 = performance.now();
  let next = t0 + 100;
  while (performance.now() - t0 < seconds * 1000) {
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    next += 100;
    m.sample(performance.now() * 1e6);
    const rss = Deno.memoryUsage().rss;
    if (rss > peakRss) peakRss = rss;
    if (
      samples.length < 10_000 &&
      (samples.length === 0 || performance.now() - t0 > samples.length * 1000)
    ) {
      samples.push(rss);
    }
  }
} finally {
  await m.stop();
}
const r = m.collect();
if (r.errors.length > 0) throw new Error(`machine failed: ${r.errors[0].message}`);
console.log(JSON.stringify({ peakRss, vmHwm: vmHwm(), samples }));
