// Byte encoding of thread-pool job arguments and results (thread_pool.ts).
// Private to the runtime.
//
// Jobs and results travel through SharedArrayBuffers, because the submitting
// thread may be blocked in Atomics.wait and cannot receive postMessage. The
// obvious encoding, node:v8 `serialize`, costs ~8-18 µs per call in Deno 2.9
// (as much as a cross-core futex wakeup), so the common shapes (undefined,
// null, booleans, numbers, strings, bigints, arrays, plain objects, typed
// arrays, ArrayBuffers) get a compact tagged encoding here, and everything
// else (Date, Map, Set, RegExp, Error, class instances...) is one nested
// node:v8 blob: the result is what structured cloning gives, at a fraction of
// the cost for plain data.
//
// SharedArrayBuffers (and typed arrays over them) travel by reference: the
// encoder asks its owner for the buffer's id in the pool's shared-buffer
// table (the pool posts new buffers to its workers before it publishes the
// job), and the decoder maps the id back to the thread's own copy of the
// buffer. A buffer the decoder's thread has not received yet raises
// MissingBufferError, so that the caller can let its event loop run and retry.

import { deserialize, serialize } from "node:v8";

const TAG = {
  UNDEFINED: 0,
  NULL: 1,
  FALSE: 2,
  TRUE: 3,
  INT32: 4,
  FLOAT64: 5,
  STRING: 6,
  ARRAY: 7,
  OBJECT: 8,
  TYPED: 9,
  ARRAY_BUFFER: 10,
  SAB: 11,
  SAB_VIEW: 12,
  BIGINT: 13,
  V8: 14,
} as const;

// deno-lint-ignore no-explicit-any
type ViewCtor = new (buffer: any, byteOffset?: number, length?: number) => ArrayBufferView;

/** View kinds (index = wire code); DataView lengths are in bytes. */
const VIEW_KINDS: ViewCtor[] = [
  DataView,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

/** Nesting depth after which a value is handed whole to node:v8 (cycles). */
const MAX_DEPTH = 100;

const TOO_DEEP = Symbol("too deep");

/** A decoded job names a shared buffer this thread has not received yet. */
export class MissingBufferError extends Error {
  /** The buffer's id in the pool's shared-buffer table. */
  readonly bufferId: number;

  /** Builds the error for buffer `bufferId`. */
  constructor(bufferId: number) {
    super(`shared buffer ${bufferId} has not reached this thread yet`);
    this.name = "MissingBufferError";
    this.bufferId = bufferId;
  }
}

function dataCloneError(what: string, why?: string): DOMException {
  return new DOMException(
    `${what} could not be cloned${why === undefined ? "" : `: ${why}`}`,
    "DataCloneError",
  );
}

/**
 * Encodes values into a private scratch buffer. One per thread and purpose;
 * the returned view is valid until the next encode.
 */
export class Encoder {
  #u8 = new Uint8Array(4096);
  #dv = new DataView(this.#u8.buffer);
  #pos = 0;
  readonly #bufferId: (sab: SharedArrayBuffer) => number;
  readonly #te = new TextEncoder();

  /** `bufferId` maps a SharedArrayBuffer to its id in the shared-buffer table (or throws). */
  constructor(bufferId: (sab: SharedArrayBuffer) => number) {
    this.#bufferId = bufferId;
  }

  /** Encodes `value`; the view is valid until the next call. */
  encode(value: unknown): Uint8Array {
    this.#pos = 0;
    try {
      this.#value(value, 0);
    } catch (err) {
      if (err !== TOO_DEEP) throw err;
      // Deep or cyclic data: node:v8 handles cycles (and refuses shared buffers).
      this.#pos = 0;
      this.#v8(value);
    }
    return this.#u8.subarray(0, this.#pos);
  }

  #room(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#u8.length) return;
    let size = this.#u8.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#u8.subarray(0, this.#pos));
    this.#u8 = next;
    this.#dv = new DataView(next.buffer);
  }

  #tag(t: number): void {
    this.#room(1);
    this.#u8[this.#pos++] = t;
  }

  #u32(v: number): void {
    this.#room(4);
    this.#dv.setUint32(this.#pos, v, true);
    this.#pos += 4;
  }

  #string(s: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    this.#room(4 + s.length * 3);
    const at = this.#pos;
    this.#pos += 4;
    let n = 0;
    const len = s.length;
    if (len <= 64) {
      const u8 = this.#u8;
      const p = this.#pos;
      for (; n < len; n++) {
        const c = s.charCodeAt(n);
        if (c >= 0x80) break;
        u8[p + n] = c;
      }
    }
    if (n < len) n = this.#te.encodeInto(s, this.#u8.subarray(this.#pos)).written;
    this.#dv.setUint32(at, n, true);
    this.#pos += n;
  }

  #bytes(src: Uint8Array): void {
    this.#u32(src.length);
    this.#room(src.length);
    this.#u8.set(src, this.#pos);
    this.#pos += src.length;
  }

  #v8(value: unknown): void {
    let bytes: Uint8Array;
    try {
      bytes = serialize(value);
    } catch (err) {
      throw dataCloneError(nameForCloneError(value), (err as Error).message);
    }
    this.#tag(TAG.V8);
    this.#bytes(bytes);
  }

  #value(v: unknown, depth: number): void {
    switch (typeof v) {
      case "undefined":
        this.#tag(TAG.UNDEFINED);
        return;
      case "boolean":
        this.#tag(v ? TAG.TRUE : TAG.FALSE);
        return;
      case "number":
        if ((v | 0) === v && !Object.is(v, -0)) {
          this.#room(5);
          this.#u8[this.#pos++] = TAG.INT32;
          this.#dv.setInt32(this.#pos, v, true);
          this.#pos += 4;
        } else {
          this.#room(9);
          this.#u8[this.#pos++] = TAG.FLOAT64;
          this.#dv.setFloat64(this.#pos, v, true);
          this.#pos += 8;
        }
        return;
      case "string":
        this.#tag(TAG.STRING);
        this.#string(v);
        return;
      case "bigint":
        this.#tag(TAG.BIGINT);
        this.#string(v.toString());
        return;
      case "function":
      case "symbol":
        throw dataCloneError(nameForCloneError(v));
    }
    if (v === null) {
      this.#tag(TAG.NULL);
      return;
    }
    if (depth >= MAX_DEPTH) throw TOO_DEEP;
    const o = v as object;
    if (Array.isArray(o)) {
      this.#tag(TAG.ARRAY);
      this.#u32(o.length);
      for (let i = 0; i < o.length; i++) this.#value(o[i], depth + 1);
      return;
    }
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) {
      const keys = Object.keys(o);
      this.#tag(TAG.OBJECT);
      this.#u32(keys.length);
      const rec = o as Record<string, unknown>;
      for (const k of keys) {
        this.#string(k);
        this.#value(rec[k], depth + 1);
      }
      return;
    }
    if (o instanceof SharedArrayBuffer) {
      this.#tag(TAG.SAB);
      this.#u32(this.#bufferId(o));
      return;
    }
    if (o instanceof ArrayBuffer) {
      this.#tag(TAG.ARRAY_BUFFER);
      this.#bytes(new Uint8Array(o));
      return;
    }
    if (ArrayBuffer.isView(o)) {
      const kind = VIEW_KINDS.indexOf(o.constructor as ViewCtor);
      if (kind >= 0) {
        const buf = o.buffer;
        const count = kind === 0 ? o.byteLength : (o as Uint8Array).length;
        if (buf instanceof SharedArrayBuffer) {
          const id = this.#bufferId(buf);
          this.#tag(TAG.SAB_VIEW);
          this.#tag(kind);
          this.#u32(id);
          this.#u32(o.byteOffset);
          this.#u32(count);
        } else {
          this.#tag(TAG.TYPED);
          this.#tag(kind);
          this.#u32(count);
          this.#bytes(new Uint8Array(buf, o.byteOffset, o.byteLength));
        }
        return;
      }
    }
    this.#v8(o);
  }
}

/**
 * Names the value refused in a DataCloneError, in the manner of V8's own
 * (`structuredClone(new WeakMap())`: "#<WeakMap> could not be cloned."):
 * `function f` (a name rather than V8's source text), `Symbol(x)`,
 * `#<WeakMap>`. Not lib/sync's `describeValue`, which names the type of a
 * wrong option ("the string ..."): this names the very value refused.
 */
function nameForCloneError(v: unknown): string {
  if (typeof v === "function") return `function ${v.name || "(anonymous)"}`;
  if (typeof v === "symbol") return String(v);
  const ctor = (v as { constructor?: { name?: string } })?.constructor?.name;
  return ctor ? `#<${ctor}>` : String(v);
}

/**
 * Decodes bytes produced by {@link Encoder}. `bytes` must not be a view of
 * shared memory (copy it out first: TextDecoder refuses shared views).
 * `buffer(id)` returns the thread's shared buffer with that id, or undefined
 * (then MissingBufferError is thrown).
 */
export function decode(
  bytes: Uint8Array,
  buffer: (id: number) => SharedArrayBuffer | undefined,
): unknown {
  return new Decoder(bytes, buffer).value();
}

const td = new TextDecoder();

class Decoder {
  readonly #u8: Uint8Array;
  readonly #dv: DataView;
  #pos = 0;
  readonly #buffer: (id: number) => SharedArrayBuffer | undefined;

  constructor(bytes: Uint8Array, buffer: (id: number) => SharedArrayBuffer | undefined) {
    this.#u8 = bytes;
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#buffer = buffer;
  }

  #u32(): number {
    const v = this.#dv.getUint32(this.#pos, true);
    this.#pos += 4;
    return v;
  }

  #string(): string {
    const n = this.#u32();
    const start = this.#pos;
    this.#pos += n;
    if (n <= 64) {
      const u8 = this.#u8;
      let s = "";
      let i = start;
      for (; i < start + n; i++) {
        const c = u8[i];
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (i === start + n) return s;
    }
    return td.decode(this.#u8.subarray(start, start + n));
  }

  #sab(id: number): SharedArrayBuffer {
    const sab = this.#buffer(id);
    if (sab === undefined) throw new MissingBufferError(id);
    return sab;
  }

  value(): unknown {
    const t = this.#u8[this.#pos++];
    switch (t) {
      case TAG.UNDEFINED:
        return undefined;
      case TAG.NULL:
        return null;
      case TAG.FALSE:
        return false;
      case TAG.TRUE:
        return true;
      case TAG.INT32: {
        const v = this.#dv.getInt32(this.#pos, true);
        this.#pos += 4;
        return v;
      }
      case TAG.FLOAT64: {
        const v = this.#dv.getFloat64(this.#pos, true);
        this.#pos += 8;
        return v;
      }
      case TAG.STRING:
        return this.#string();
      case TAG.BIGINT:
        return BigInt(this.#string());
      case TAG.ARRAY: {
        const n = this.#u32();
        const a = new Array(n);
        for (let i = 0; i < n; i++) a[i] = this.value();
        return a;
      }
      case TAG.OBJECT: {
        const n = this.#u32();
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.#string();
          // defineProperty: a "__proto__" key stays an own property, as in
          // structured cloning.
          Object.defineProperty(o, k, {
            value: this.value(),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return o;
      }
      case TAG.SAB:
        return this.#sab(this.#u32());
      case TAG.ARRAY_BUFFER: {
        const n = this.#u32();
        const out = this.#u8.slice(this.#pos, this.#pos + n).buffer;
        this.#pos += n;
        return out;
      }
      case TAG.TYPED: {
        const kind = this.#u8[this.#pos++];
        const count = this.#u32();
        const n = this.#u32();
        const copy = this.#u8.slice(this.#pos, this.#pos + n).buffer;
        this.#pos += n;
        const C = VIEW_KINDS[kind];
        return kind === 0 ? new C(copy, 0, n) : new C(copy, 0, count);
      }
      case TAG.SAB_VIEW: {
        const kind = this.#u8[this.#pos++];
        const sab = this.#sab(this.#u32());
        const off = this.#u32();
        const count = this.#u32();
        return new VIEW_KINDS[kind](sab, off, count);
      }
      case TAG.V8: {
        const n = this.#u32();
        const v = deserialize(this.#u8.subarray(this.#pos, this.#pos + n));
        this.#pos += n;
        return v;
      }
      default:
        throw new Error(`thread pool codec: bad tag ${t} at byte ${this.#pos - 1}`);
    }
  }
}

/** Size to grow a payload buffer to for `n` bytes: a power of two >= 4 KiB, capped at `max`. */
export function growTo(n: number, max: number): number {
  let size = 4096;
  while (size < n) size *= 2;
  return Math.min(size, max);
}
