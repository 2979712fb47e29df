// Thread-pool jobs of the file driver: they run in pool Workers, where
// blocking file I/O is allowed. Each worker keeps one open file per path
// (opened read/write, never created or truncated here: the driver decides
// that once, at open).

const files = new Map<string, Deno.FsFile>();

function fileFor(path: string): Deno.FsFile {
  let f = files.get(path);
  if (f === undefined) {
    f = Deno.openSync(path, { read: true, write: true });
    files.set(path, f);
  }
  return f;
}

/** pwrite: all of `data` at `offset`; returns the byte count. */
export function filePwrite(path: string, offset: number, data: Uint8Array): number {
  const f = fileFor(path);
  f.seekSync(offset, Deno.SeekMode.Start);
  let done = 0;
  while (done < data.length) done += f.writeSync(data.subarray(done));
  return done;
}

/** pread into a shared staging buffer; returns the bytes read (the rest is zero-filled). */
export function filePreadInto(
  path: string,
  offset: number,
  bytes: number,
  buf: SharedArrayBuffer,
): number {
  const f = fileFor(path);
  const out = new Uint8Array(buf, 0, bytes);
  let done = 0;
  f.seekSync(offset, Deno.SeekMode.Start);
  while (done < bytes) {
    const n = f.readSync(out.subarray(done));
    if (n === null || n === 0) break;
    done += n;
  }
  out.fill(0, done);
  return done;
}

/** pwrite from a shared staging buffer; returns the byte count. */
export function filePwriteFrom(
  path: string,
  offset: number,
  bytes: number,
  buf: SharedArrayBuffer,
): number {
  return filePwrite(path, offset, new Uint8Array(buf, 0, bytes));
}

/** fdatasync. */
export function fileFlush(path: string): boolean {
  fileFor(path).syncDataSync();
  return true;
}

/** Closes this worker's handle of `path` (when the node goes away). */
export function fileClose(path: string): boolean {
  files.get(path)?.close();
  files.delete(path);
  return true;
}
