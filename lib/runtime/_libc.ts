// Opens libc through Deno.dlopen for the few Linux calls Deno has no API
// for (timer slack, CPU affinity). Needs --allow-ffi for one of LIBC_PATHS
// (below). Any thread; the library is opened per call and closed
// by the caller.

/**
 * Where libc is looked for, in order (glibc on Debian/Ubuntu x86_64 and
 * arm64, Fedora/RHEL, Arch; musl on Alpine). `--allow-ffi` is granted for
 * exactly these paths by the `bench` and `aiolab` tasks. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LIBC_PATHS } from "./_libc.ts";
 * assert.ok(LIBC_PATHS.includes("/lib/x86_64-linux-gnu/libc.so.6"));
 * ```
 */
export const LIBC_PATHS: readonly string[] = Object.freeze([
  "/lib/x86_64-linux-gnu/libc.so.6",
  "/lib/aarch64-linux-gnu/libc.so.6",
  "/lib64/libc.so.6",
  "/usr/lib64/libc.so.6",
  "/usr/lib/libc.so.6",
  "/lib/ld-musl-x86_64.so.1",
  "/lib/ld-musl-aarch64.so.1",
]);

/**
 * Opens the first granted libc of {@link LIBC_PATHS} with `symbols`, or
 * returns why none could be (`what` names the setting in the reason).
 */
export function openLibc<S extends Deno.ForeignLibraryInterface>(
  symbols: S,
  what: string,
): { lib: Deno.DynamicLibrary<S>; libc: string } | string {
  if (Deno.build.os !== "linux") return `${what} is a Linux setting (this is ${Deno.build.os})`;
  const granted = LIBC_PATHS.filter((path) =>
    Deno.permissions.querySync({ name: "ffi", path }).state === "granted"
  );
  if (granted.length === 0) {
    return `no --allow-ffi for libc (one of ${LIBC_PATHS.join(", ")})`;
  }
  const failures: string[] = [];
  for (const libc of granted) {
    try {
      return { lib: Deno.dlopen(libc, symbols), libc };
    } catch (err) {
      failures.push(`${libc}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    }
  }
  return `no libc could be opened: ${failures.join("; ")}`;
}
