// A small strict JSON scanner for nLink nodes, written for this template (MIT licence).
//
// It works on UTF-8 bytes in linear memory (pointers), never builds a tree and never converts the
// input to an AssemblyScript (UTF-16) string: a value is a span [start, end) of the input, so any
// value can be passed through verbatim. Every scan function returns the position after what it
// scanned, or FAIL (0: input pointers are never 0).

export const FAIL: usize = 0;
const MAX_DEPTH: i32 = 512;

let end: usize = 0; // end of the text being scanned

function skipWs(p: usize): usize {
  while (p < end) {
    const c = load<u8>(p);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
    p++;
  }
  return p;
}

/** The value of 4 hex digits at p, or -1. */
function hex4(p: usize, limit: usize): i32 {
  if (p > limit || limit - p < 4) return -1;
  let v: i32 = 0;
  for (let i: usize = 0; i < 4; i++) {
    const c = <i32>load<u8>(p + i);
    v <<= 4;
    if (c >= 0x30 && c <= 0x39) v |= c - 0x30;
    else if (c >= 0x61 && c <= 0x66) v |= c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x46) v |= c - 0x41 + 10;
    else return -1;
  }
  return v;
}

/** Length (1-4) of the valid UTF-8 sequence at p, or 0. */
function utf8Len(p: usize): i32 {
  const c = <u32>load<u8>(p);
  let n: i32;
  let cp: u32;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) { n = 2; cp = c & 0x1f; }
  else if (c >= 0xe0 && c <= 0xef) { n = 3; cp = c & 0x0f; }
  else if (c >= 0xf0 && c <= 0xf4) { n = 4; cp = c & 0x07; }
  else return 0;
  if (<usize>n > end - p) return 0;
  for (let i = 1; i < n; i++) {
    const b = <u32>load<u8>(p + <usize>i);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0; // overlong
  if (cp >= 0xd800 && cp <= 0xdfff) return 0; // surrogate
  return n;
}

/** p at '"'. */
function scanString(p: usize): usize {
  p++;
  while (p < end) {
    const c = load<u8>(p);
    if (c == 0x22) return p + 1;
    if (c < 0x20) return FAIL;
    if (c == 0x5c) {
      if (++p >= end) return FAIL;
      const e = load<u8>(p);
      if (e == 0x75) { // \uXXXX
        if (hex4(p + 1, end) < 0) return FAIL;
        p += 5;
      } else if (e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74) {
        p++;
      } else {
        return FAIL;
      }
    } else {
      const n = utf8Len(p);
      if (n == 0) return FAIL;
      p += <usize>n;
    }
  }
  return FAIL;
}

function isDigit(p: usize): bool {
  if (p >= end) return false;
  const c = load<u8>(p);
  return c >= 0x30 && c <= 0x39;
}

function scanDigits(p: usize): usize {
  if (!isDigit(p)) return FAIL;
  while (isDigit(p)) p++;
  return p;
}

function scanNumber(p: usize): usize {
  if (load<u8>(p) == 0x2d) p++; // -
  if (p >= end) return FAIL;
  if (load<u8>(p) == 0x30) p++;
  else if ((p = scanDigits(p)) == FAIL) return FAIL;
  if (p < end && load<u8>(p) == 0x2e) { // .
    if ((p = scanDigits(p + 1)) == FAIL) return FAIL;
  }
  if (p < end && (load<u8>(p) | 0x20) == 0x65) { // e E
    p++;
    if (p < end && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) p++;
    if ((p = scanDigits(p)) == FAIL) return FAIL;
  }
  return p;
}

function scanLiteral(p: usize, word: string): usize {
  const n = <usize>word.length;
  if (end - p < n) return FAIL;
  for (let i: usize = 0; i < n; i++) {
    if (<i32>load<u8>(p + i) != word.charCodeAt(<i32>i)) return FAIL;
  }
  return p + n;
}

/** p at the start of a value (no whitespace). */
function scanValue(p: usize, depth: i32): usize {
  if (p >= end) return FAIL;
  const c = load<u8>(p);
  if (c == 0x22) return scanString(p);
  if (c == 0x74) return scanLiteral(p, "true");
  if (c == 0x66) return scanLiteral(p, "false");
  if (c == 0x6e) return scanLiteral(p, "null");
  if (c == 0x5b) { // [
    if (depth >= MAX_DEPTH) return FAIL;
    p = skipWs(p + 1);
    if (p < end && load<u8>(p) == 0x5d) return p + 1;
    while (true) {
      if ((p = scanValue(p, depth + 1)) == FAIL) return FAIL;
      p = skipWs(p);
      if (p >= end) return FAIL;
      const d = load<u8>(p);
      if (d == 0x5d) return p + 1;
      if (d != 0x2c) return FAIL;
      p = skipWs(p + 1);
    }
  }
  if (c == 0x7b) { // {
    if (depth >= MAX_DEPTH) return FAIL;
    p = skipWs(p + 1);
    if (p < end && load<u8>(p) == 0x7d) return p + 1;
    while (true) {
      if (p >= end || load<u8>(p) != 0x22) return FAIL;
      if ((p = scanString(p)) == FAIL) return FAIL;
      p = skipWs(p);
      if (p >= end || load<u8>(p) != 0x3a) return FAIL;
      p = skipWs(p + 1);
      if ((p = scanValue(p, depth + 1)) == FAIL) return FAIL;
      p = skipWs(p);
      if (p >= end) return FAIL;
      const d = load<u8>(p);
      if (d == 0x7d) return p + 1;
      if (d != 0x2c) return FAIL;
      p = skipWs(p + 1);
    }
  }
  if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return scanNumber(p);
  return FAIL;
}

/** A piece of the input: [start, end). */
export class Span {
  constructor(public start: usize = 0, public end: usize = 0) {}
  get length(): usize { return this.end - this.start; }
  /** The first byte (0x7b for an object, 0x22 for a string...). */
  get first(): u8 { return load<u8>(this.start); }
}

/** The span of the one JSON value in [ptr, ptr+len) (whitespace around it allowed), or null. */
export function validate(ptr: usize, len: usize): Span | null {
  end = ptr + len;
  const p = skipWs(ptr);
  const v = scanValue(p, 0);
  if (v == FAIL || skipWs(v) != end) return null;
  return new Span(p, v);
}

/** The value of the member named key of a validated object span (the last one when a key
 *  repeats), or null when absent or when obj is not an object. key must be ASCII. */
export function member(obj: Span, key: string): Span | null {
  if (obj.length == 0 || obj.first != 0x7b) return null;
  end = obj.end;
  let found: Span | null = null;
  let p = skipWs(obj.start + 1);
  while (p < end && load<u8>(p) == 0x22) {
    const keyEnd = scanString(p);
    const match = decodedEquals(p, keyEnd, key);
    p = skipWs(skipWs(keyEnd) + 1); // past ':'
    const v = scanValue(p, 1);
    if (match) found = new Span(p, v);
    p = skipWs(v);
    if (p < end && load<u8>(p) == 0x2c) p = skipWs(p + 1);
  }
  return found;
}

function decodedEquals(start: usize, stop: usize, key: string): bool {
  const buf = heap.alloc(stop - start);
  const n = decodeString(start, stop, buf);
  let equal = n == <usize>key.length;
  for (let i: usize = 0; equal && i < n; i++) {
    equal = <i32>load<u8>(buf + i) == key.charCodeAt(<i32>i);
  }
  heap.free(buf);
  return equal;
}

function putUtf8(o: usize, cp: u32): usize {
  if (cp < 0x80) {
    store<u8>(o++, cp);
  } else if (cp < 0x800) {
    store<u8>(o++, 0xc0 | (cp >> 6));
    store<u8>(o++, 0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    store<u8>(o++, 0xe0 | (cp >> 12));
    store<u8>(o++, 0x80 | ((cp >> 6) & 0x3f));
    store<u8>(o++, 0x80 | (cp & 0x3f));
  } else {
    store<u8>(o++, 0xf0 | (cp >> 18));
    store<u8>(o++, 0x80 | ((cp >> 12) & 0x3f));
    store<u8>(o++, 0x80 | ((cp >> 6) & 0x3f));
    store<u8>(o++, 0x80 | (cp & 0x3f));
  }
  return o;
}

/** Decodes the validated string token [start, stop) (quotes included) as UTF-8 into out, which
 *  must hold stop - start bytes (the decoded text is never longer); returns the decoded length.
 *  Unpaired surrogates become U+FFFD. */
export function decodeString(start: usize, stop: usize, out: usize): usize {
  let p = start + 1;
  const last = stop - 1;
  let o = out;
  while (p < last) {
    const c = load<u8>(p);
    if (c != 0x5c) { store<u8>(o++, c); p++; continue; }
    const e = load<u8>(p + 1);
    p += 2;
    if (e == 0x62) store<u8>(o++, 0x08);
    else if (e == 0x66) store<u8>(o++, 0x0c);
    else if (e == 0x6e) store<u8>(o++, 0x0a);
    else if (e == 0x72) store<u8>(o++, 0x0d);
    else if (e == 0x74) store<u8>(o++, 0x09);
    else if (e == 0x75) {
      let cp = <u32>hex4(p, last);
      p += 4;
      if (cp >= 0xd800 && cp <= 0xdbff && last - p >= 6 && load<u8>(p) == 0x5c && load<u8>(p + 1) == 0x75) {
        const lo = hex4(p + 2, last);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (<u32>lo - 0xdc00);
          p += 6;
        }
      }
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // unpaired surrogate
      o = putUtf8(o, cp);
    } else store<u8>(o++, e); // " \ /
  }
  return o - out;
}

/** A growable byte buffer in unmanaged memory (heap.alloc), for building the output. */
export class Bytes {
  ptr: usize = heap.alloc(256);
  len: usize = 0;
  cap: usize = 256;

  reserve(n: usize): void {
    if (this.len + n <= this.cap) return;
    let cap = this.cap * 2;
    while (cap < this.len + n) cap *= 2;
    this.ptr = heap.realloc(this.ptr, cap);
    this.cap = cap;
  }
  append(src: usize, n: usize): void {
    this.reserve(n);
    memory.copy(this.ptr + this.len, src, n);
    this.len += n;
  }
  appendByte(b: u8): void {
    this.reserve(1);
    store<u8>(this.ptr + this.len++, b);
  }
  /** Appends s as UTF-8. */
  appendString(s: string): void {
    const utf8 = String.UTF8.encode(s);
    this.append(changetype<usize>(utf8), <usize>utf8.byteLength);
  }
  /** Appends s as a JSON string literal (UTF-8, quotes included). */
  appendQuoted(s: string): void {
    const utf8 = String.UTF8.encode(s);
    this.appendJsonString(changetype<usize>(utf8), <usize>utf8.byteLength);
  }
  /** Appends the JSON text of span verbatim. */
  appendSpan(span: Span): void {
    this.append(span.start, span.length);
  }
  /** Appends the UTF-8 text [src, src+n) as a JSON string literal, quotes included. */
  appendJsonString(src: usize, n: usize): void {
    this.appendByte(0x22);
    let run = src;
    const stop = src + n;
    for (let p = src; p < stop; p++) {
      const c = load<u8>(p);
      if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
      this.append(run, p - run);
      run = p + 1;
      this.appendByte(0x5c);
      if (c == 0x22 || c == 0x5c) this.appendByte(c);
      else if (c == 0x0a) this.appendByte(0x6e);
      else if (c == 0x0d) this.appendByte(0x72);
      else if (c == 0x09) this.appendByte(0x74);
      else if (c == 0x08) this.appendByte(0x62);
      else if (c == 0x0c) this.appendByte(0x66);
      else {
        this.appendString("u00");
        const hex = "0123456789abcdef";
        this.appendByte(<u8>hex.charCodeAt(c >> 4));
        this.appendByte(<u8>hex.charCodeAt(c & 15));
      }
    }
    this.append(run, stop - run);
    this.appendByte(0x22);
  }
}
