// Test fixture: a run child with scripted misbehaviour, for
// run_process_test.ts. Mode (argument 1, a JSON string): "noisy" prints a
// non-JSON line and a JSON value that is no message around a result;
// "silent" never prints and never exits; "no-result" exits 0 without a
// result. Not part of the public API.

const mode = JSON.parse(Deno.args[0] ?? '""');
const out = (s: string) => Deno.stdout.writeSync(new TextEncoder().encode(s));
if (mode === "noisy") {
  out("not json\n");
  out("[1, 2]\n");
  out(JSON.stringify({ type: "progress", phase: "start" }) + "\n");
  out(JSON.stringify({ type: "result", report: { ok: true } })); // no final newline
} else if (mode === "silent") {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
} else if (mode === "no-result") {
  out(JSON.stringify({ type: "progress", phase: "start" }) + "\n");
} else {
  throw new Error(`unknown fixture mode ${JSON.stringify(mode)}`);
}
