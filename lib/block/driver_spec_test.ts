import assert from "node:assert/strict";
import { type DriverSpec, openDriver } from "./driver_spec.ts";
import { FileDriver } from "./file_driver.ts";
import { NullDriver } from "./null_driver.ts";

Deno.test("driver spec: a cloned null description opens a null driver with its options", () => {
  const spec: DriverSpec = structuredClone({
    kind: "null",
    size: 8192,
    latencyNs: 500,
    readZeroes: true,
  });
  const drv = openDriver(spec);
  assert.ok(drv instanceof NullDriver);
  assert.deepEqual([drv.size, drv.latencyNs, drv.readZeroes], [8192, 500, true]);
  assert.throws(() => openDriver({ kind: "null", latencyNs: -1 }), /latency-ns/);
});

Deno.test("driver spec: a file description opens the file and never creates or truncates it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/disk.img`;
    assert.throws(() => openDriver({ kind: "file", filename: path }), /it must exist/);
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound, "not created");
    await Deno.writeFile(path, new Uint8Array(1024).fill(9));
    const drv = openDriver(structuredClone({ kind: "file", filename: path } as const));
    assert.ok(drv instanceof FileDriver);
    assert.equal(drv.size, 1024);
    assert.equal(openDriver({ kind: "file", filename: path, size: 512 }).size, 512);
    assert.deepEqual(await Deno.readFile(path), new Uint8Array(1024).fill(9), "left as it was");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("driver spec: an unknown kind is refused with what was expected", () => {
  assert.throws(
    () => openDriver(JSON.parse(`{ "kind": "qcow2" }`)),
    /expected "null" or "file", got "qcow2"/,
  );
});
