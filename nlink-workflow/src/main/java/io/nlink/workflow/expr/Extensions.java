package io.nlink.workflow.expr;

import java.util.Collection;
import java.util.regex.Pattern;

/**
 * n8n's extension functions in expressions: methods n8n users call on values, such as
 * {@code $json.email.isEmpty()}, {@code $json.tags.unique()}, {@code $json.price.round(2)},
 * {@code $json.when.toDateTime().plus(1, 'day').format('yyyy-MM-dd')}. The names and what they do
 * follow n8n's documentation of its data transformation functions (strings, arrays, numbers,
 * objects, dates); the code is nLink's own.
 *
 * <p>n8n rewrites each expression to call them; here they are methods on the built-in prototypes
 * of the expression sandbox (never the Code node's, where n8n has none either), defined before the
 * realm's lockdown ({@link Expressions}) freezes them with everything else, so no run can change
 * what a later one finds. Each is an accessor like the built-ins the lockdown keeps overridable:
 * code may still give its own object a property of the same name ({@code o.keys = 1}). Only
 * scripts whose expressions call one of these names load them ({@link #usedBy}): other expressions
 * run the same script as before, at the same cost.
 */
public final class Extensions {
    private Extensions() {}

    private static final String NAMES =
            "isEmpty|isNotEmpty|isBlank|isNotBlank|toDateTime|toNumber|toInt|toFloat|toBoolean"
                    + "|extractEmail|extractUrl|extractDomain|extractUrlPath|isEmail|isUrl|isDomain|isNumeric|removeTags"
                    + "|toTitleCase|toSentenceCase|toSnakeCase|urlEncode|urlDecode|parseJson|quote|base64Encode|base64Decode"
                    + "|toJsonString|first|last|sum|average|min|max|unique|removeDuplicates|pluck|chunk|compact|randomItem"
                    + "|smartJoin|renameKeys|merge|union|difference|intersection|append|round|floor|ceil|abs|isEven|isOdd"
                    + "|isInteger|format|hasField|removeField|removeFieldsContaining|keepFieldsContaining|keys|values"
                    + "|beginningOf|endOfMonth|extract|plus|minus";

    /** A call of one of the names, not on a built-in namespace ({@code Math.round(…)}, {@code Object.keys(…)}). */
    private static final Pattern CALLED = Pattern.compile(
            "(?<!\\b(?:Math|Object|Reflect|JSON|Number|String|Array|Date|Promise|Intl|DateTime|Duration|Interval))"
                    + "\\.\\s*(?:" + NAMES + ")\\s*\\(");

    private static final Pattern DATES = Pattern.compile("\\.\\s*toDateTime\\s*\\(");

    /** Whether any of {@code codes} calls one of n8n's extension functions. */
    public static boolean usedBy(Collection<String> codes) {
        for (String code : codes) if (CALLED.matcher(code).find()) return true;
        return false;
    }

    /** Whether {@code codes} turn values into dates ({@code .toDateTime()}), which needs Luxon. */
    static boolean needsDates(Collection<String> codes) {
        for (String code : codes) if (DATES.matcher(code).find()) return true;
        return false;
    }

    /** Run after Luxon ({@link Luxon#script}) and before the lockdown. */
    static final String SCRIPT = """
            (function () {
              'use strict';
              const fail = function (name, why) { throw new TypeError(name + '(): ' + why); };
              const install = function (proto, methods) {
                Object.keys(methods).forEach(function (key) {
                  const fn = methods[key];
                  Object.defineProperty(proto, key, { enumerable: false, configurable: true,
                    get() { return fn; },
                    set(v) {
                      if (this === proto) throw new TypeError('Cannot assign to read only property \\'' + key + '\\' of a built-in');
                      Object.defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
                    } });
                });
              };
              const equal = function (a, b) {
                if (a === b) return true;
                if (typeof a === 'number' && typeof b === 'number') return a !== a && b !== b;
                if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
                if (Array.isArray(a) !== Array.isArray(b)) return false;
                const ka = Object.keys(a), kb = Object.keys(b);
                if (ka.length !== kb.length) return false;
                return ka.every(function (k) { return Object.prototype.hasOwnProperty.call(b, k) && equal(a[k], b[k]); });
              };
              const isPlainObject = function (v) { return v !== null && typeof v === 'object' && !Array.isArray(v); };
              const objectOnly = function (self, name) {
                if (!isPlainObject(self)) fail(name, 'is a function of objects, not of ' + (Array.isArray(self) ? 'arrays' : typeof self));
                return self;
              };
              const numbers = function (list, name) {
                if (list.some(function (v) { return typeof v !== 'number'; })) fail(name, 'all array elements must be numbers');
                return list;
              };
              const EMAIL = /(([^<>()\\[\\]\\\\.,;:\\s@"]+(\\.[^<>()\\[\\]\\\\.,;:\\s@"]+)*)|(".+"))@((\\[[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\])|(([a-zA-Z\\-0-9]+\\.)+[a-zA-Z]{2,}))/;
              const HOST = '((?:(?:[-\\\\w]+\\\\.)+(?:[a-zA-Z]{2,}|xn--[a-zA-Z0-9]+)|localhost|\\\\d{1,3}\\\\.\\\\d{1,3}\\\\.\\\\d{1,3}\\\\.\\\\d{1,3}))';
              const URL_IN = new RegExp('(?:(?:https?|ftp):\\\\/\\\\/)(?:www\\\\.)?' + HOST + '(?::\\\\d+)?(?:\\\\/[^\\\\s?#]*)?(?:\\\\?[^\\\\s#]*)?(?:#[^\\\\s]*)?', 'i');
              const URL_EXACT = new RegExp('^' + URL_IN.source + '$', 'i');
              const DOMAIN = new RegExp('^(?:www\\\\.)?' + HOST + '(?::\\\\d+)?(?:\\\\/[^\\\\s?]*)?(?:\\\\?[^\\\\s#]*)?(?:#[^\\\\s]*)?$', 'i');
              const DOMAIN_IN = new RegExp('^(?:(?:https?|ftp):\\\\/\\\\/)?(?:mailto:)?(?:\\\\/\\\\/)?((?:www\\\\.)?' + HOST.slice(1, -1) + ')(?::\\\\d+)?(?:\\\\/[^\\\\s?]*)?(?:\\\\?[^\\\\s#]*)?(?:#[^\\\\s]*)?$', 'i');
              const CURRENCY = /[$€£¥₹₽₩₪₫₴₦₱₲₵₸₺₼₾]/g;
              const SMALL_WORDS = ['a', 'an', 'and', 'as', 'at', 'but', 'by', 'en', 'for', 'if', 'in', 'nor', 'of', 'on', 'or', 'per', 'the', 'to', 'v', 'v.', 'vs', 'vs.', 'via'];
              const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
              const utf8 = function (s) {
                const out = [];
                for (const ch of s) {
                  let c = ch.codePointAt(0);
                  if (c < 0x80) out.push(c);
                  else if (c < 0x800) out.push(0xc0 | c >> 6, 0x80 | c & 63);
                  else if (c < 0x10000) out.push(0xe0 | c >> 12, 0x80 | c >> 6 & 63, 0x80 | c & 63);
                  else out.push(0xf0 | c >> 18, 0x80 | c >> 12 & 63, 0x80 | c >> 6 & 63, 0x80 | c & 63);
                }
                return out;
              };
              const fromUtf8 = function (bytes) {
                let s = '';
                for (let i = 0; i < bytes.length; ) {
                  const b = bytes[i];
                  const n = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
                  let c = n === 1 ? b : b & (0xff >> (n + 1));
                  for (let j = 1; j < n; j++) c = c << 6 | (bytes[i + j] & 63);
                  s += String.fromCodePoint(c);
                  i += n;
                }
                return s;
              };
              const dateTimeOfMillis = function (ms, name) {
                if (typeof ms !== 'number' || ms !== ms) fail(name, 'cannot convert to Luxon DateTime');
                return DateTime.fromMillis(ms);
              };
              const numberToDateTime = function (n, unit) {
                switch (unit === undefined ? 'ms' : unit) {
                  case 'ms': return dateTimeOfMillis(n, 'toDateTime');
                  case 's': return dateTimeOfMillis(n * 1000, 'toDateTime');
                  case 'us': return dateTimeOfMillis(n / 1000, 'toDateTime');
                  case 'excel': return DateTime.fromMillis((n - 25569) * 86400000, { zone: 'UTC' });
                  default: return fail('toDateTime', 'unknown format "' + unit + '": use ms, s, us or excel');
                }
              };

              install(String.prototype, {
                isEmpty() { return String(this) === ''; },
                isNotEmpty() { return String(this) !== ''; },
                isBlank() { return String(this).trim() === ''; },
                isNotBlank() { return String(this).trim() !== ''; },
                toNumber() {
                  const n = Number(String(this).replace(CURRENCY, ''));
                  if (n !== n) fail('toNumber', 'cannot convert "' + this + '" to a number');
                  return n;
                },
                toInt(radix) {
                  const n = parseInt(String(this).replace(CURRENCY, ''), radix);
                  if (n !== n) fail('toInt', 'cannot convert "' + this + '" to an integer');
                  return n;
                },
                toFloat() {
                  if (String(this).indexOf(',') >= 0) fail('toFloat', 'cannot convert to float, expected . as decimal separator');
                  const n = parseFloat(String(this).replace(CURRENCY, ''));
                  if (n !== n) fail('toFloat', 'cannot convert "' + this + '" to a float');
                  return n;
                },
                toBoolean() {
                  const s = String(this).toLowerCase();
                  return s.length > 0 && s !== 'false' && s !== 'no' && s !== '0';
                },
                toDateTime(format) {
                  const s = String(this);
                  if (format === 'ms' || format === 's' || format === 'us' || format === 'excel') return numberToDateTime(Number(s), format);
                  let d = format ? DateTime.fromFormat(s, format) : DateTime.fromISO(s);
                  if (!format) {
                    if (!d.isValid) d = DateTime.fromRFC2822(s);
                    if (!d.isValid) d = DateTime.fromHTTP(s);
                    if (!d.isValid) d = DateTime.fromSQL(s);
                    if (!d.isValid && /^\\s*-?\\d+(\\.\\d+)?\\s*$/.test(s)) d = DateTime.fromMillis(Number(s));
                  }
                  if (!d.isValid) fail('toDateTime', 'cannot convert "' + s + '" to a Luxon DateTime' + (format ? ' with the format "' + format + '"' : ''));
                  return d;
                },
                extractEmail() { const m = EMAIL.exec(String(this)); return m ? m[0] : undefined; },
                extractUrl() { const m = URL_IN.exec(String(this)); return m ? m[0] : undefined; },
                extractDomain() {
                  const s = String(this), email = EMAIL.exec(s);
                  if (email && s.indexOf(' ') < 0) return email[5];
                  const m = DOMAIN_IN.exec(s);
                  return m ? m[1] : undefined;
                },
                extractUrlPath() { const m = /^[a-z][a-z0-9+.-]*:\\/\\/[^/?#]*([^?#]*)/i.exec(String(this)); return m ? (m[1] || '/') : undefined; },
                isEmail() { const s = String(this); return EMAIL.test(s) && s.indexOf(' ') < 0; },
                isUrl() { return URL_EXACT.test(String(this)); },
                isDomain() { return DOMAIN.test(String(this)); },
                isNumeric() { const s = String(this); return s.indexOf(' ') < 0 && !isNaN(s) && !isNaN(parseFloat(s)); },
                removeTags() { return String(this).replace(/<[^>]*>?/gm, ''); },
                toTitleCase() {
                  const words = String(this).split(/(\\s+)/);
                  const last = words.length - 1;
                  return words.map(function (w, i) {
                    if (/^\\s*$/.test(w) || (i > 0 && i < last && SMALL_WORDS.indexOf(w.toLowerCase()) >= 0)) return w;
                    return w.replace(/\\p{L}/u, function (c) { return c.toLocaleUpperCase(); });
                  }).join('');
                },
                toSentenceCase() {
                  let rest = String(this), out = '';
                  while (/\\p{L}/u.test(rest)) {
                    const at = rest.search(/\\p{L}/u);
                    rest = rest.slice(0, at) + rest[at].toLocaleUpperCase() + rest.slice(at + 1).toLocaleLowerCase();
                    const end = rest.search(/[!?.]/);
                    if (end < 0) { out += rest; rest = ''; break; }
                    out += rest.slice(0, end + 1);
                    rest = rest.slice(end + 1);
                  }
                  return out + rest;
                },
                toSnakeCase() {
                  return String(this).toLocaleLowerCase().replace(/[ \\-]/g, '_').replace(/[\\u2000-\\u206F\\u2E00-\\u2E7F\\\\'!"#$%&()*+,./:;<=>?@\\[\\]^`{|}~]/g, '');
                },
                urlEncode(entire) { return entire ? encodeURI(String(this)) : encodeURIComponent(String(this)); },
                urlDecode(entire) { return entire ? decodeURI(String(this)) : decodeURIComponent(String(this)); },
                parseJson() {
                  try { return JSON.parse(String(this)); }
                  catch (e) { return fail('parseJson', String(this).indexOf("'") >= 0 ? "parsing failed; check you're using double quotes" : 'parsing failed'); }
                },
                quote(mark) {
                  const q = mark === undefined ? '"' : String(mark);
                  return q + String(this).replace(/\\\\/g, '\\\\\\\\').split(q).join('\\\\' + q) + q;
                },
                base64Encode() {
                  const b = utf8(String(this));
                  let out = '';
                  for (let i = 0; i < b.length; i += 3) {
                    const n = b[i] << 16 | (b[i + 1] || 0) << 8 | (b[i + 2] || 0);
                    out += B64[n >> 18 & 63] + B64[n >> 12 & 63] + (i + 1 < b.length ? B64[n >> 6 & 63] : '=') + (i + 2 < b.length ? B64[n & 63] : '=');
                  }
                  return out;
                },
                base64Decode() {
                  const s = String(this).replace(/[\\s=]/g, '').replace(/-/g, '+').replace(/_/g, '/');
                  if (/[^A-Za-z0-9+/]/.test(s)) fail('base64Decode', 'the string is not Base64');
                  const bytes = [];
                  for (let i = 0; i < s.length; i += 4) {
                    const n = B64.indexOf(s[i]) << 18 | B64.indexOf(s[i + 1] || 'A') << 12 | Math.max(0, B64.indexOf(s[i + 2] || 'A')) << 6 | Math.max(0, B64.indexOf(s[i + 3] || 'A'));
                    bytes.push(n >> 16 & 255);
                    if (i + 2 < s.length) bytes.push(n >> 8 & 255);
                    if (i + 3 < s.length) bytes.push(n & 255);
                  }
                  return fromUtf8(bytes);
                },
                toJsonString() { return JSON.stringify(String(this)); }
              });

              install(Array.prototype, {
                first() { return this[0]; },
                last() { return this[this.length - 1]; },
                isEmpty() { return this.length === 0; },
                isNotEmpty() { return this.length > 0; },
                sum() { return numbers(this, 'sum').reduce(function (a, b) { return a + b; }, 0); },
                average() { numbers(this, 'average'); return this.length === 0 ? 0 : this.sum() / this.length; },
                min() { return Math.min.apply(null, numbers(this, 'min')); },
                max() { return Math.max.apply(null, numbers(this, 'max')); },
                unique() {
                  const fields = Array.prototype.slice.call(arguments);
                  const key = function (v) {
                    if (fields.length === 0 || v === null || typeof v !== 'object') return v;
                    const k = {};
                    fields.forEach(function (f) { k[f] = v[f]; });
                    return k;
                  };
                  const out = [];
                  this.forEach(function (v) { if (!out.some(function (w) { return equal(key(w), key(v)); })) out.push(v); });
                  return out;
                },
                removeDuplicates() { return Array.prototype.unique.apply(this, arguments); },
                pluck() {
                  const fields = Array.prototype.slice.call(arguments);
                  if (fields.length === 0) return this.slice();
                  const out = [];
                  this.forEach(function (v) {
                    if (v === null || typeof v !== 'object') return;
                    const got = Object.keys(v).filter(function (k) { return fields.indexOf(k) >= 0; }).map(function (k) { return v[k]; });
                    if (got.length > 0) out.push(got.length === 1 ? got[0] : got);
                  });
                  return out;
                },
                chunk(size) {
                  if (typeof size !== 'number' || !(size >= 1)) fail('chunk', 'expected a positive number, e.g. .chunk(5)');
                  const out = [];
                  for (let i = 0; i < this.length; i += size) out.push(this.slice(i, i + size));
                  return out;
                },
                compact() {
                  return this.filter(function (v) {
                    if (v !== null && typeof v === 'object' && Object.keys(v).length === 0) return false;
                    return v !== null && v !== undefined && v !== 'nil' && v !== '';
                  }).map(function (v) { return isPlainObject(v) ? v.compact() : v; });
                },
                randomItem() { return this.length === 0 ? undefined : this[Math.floor(Math.random() * this.length)]; },
                smartJoin(keyField, valueField) {
                  if (typeof keyField !== 'string' || typeof valueField !== 'string') fail('smartJoin', 'expected two field names, e.g. .smartJoin("name", "value")');
                  const out = {};
                  this.forEach(function (v) { if (isPlainObject(v) && keyField in v && valueField in v) out[v[keyField]] = v[valueField]; });
                  return out;
                },
                renameKeys() {
                  const pairs = Array.prototype.slice.call(arguments);
                  if (pairs.length === 0 || pairs.length % 2 !== 0) fail('renameKeys', 'expected pairs of names: from1, to1 [, from2, to2, ...]');
                  return this.map(function (v) {
                    if (!isPlainObject(v)) return v;
                    const copy = Object.assign({}, v);
                    for (let i = 0; i < pairs.length; i += 2) {
                      if (pairs[i] in copy) { copy[pairs[i + 1]] = copy[pairs[i]]; delete copy[pairs[i]]; }
                    }
                    return copy;
                  });
                },
                merge(others) {
                  const add = function (into, from) {
                    Object.keys(from).forEach(function (k) { if (!(k in into)) into[k] = from[k]; });
                    return into;
                  };
                  if (others === undefined) return this.reduce(function (m, v) { return isPlainObject(v) ? add(m, v) : m; }, {});
                  if (!Array.isArray(others)) fail('merge', 'expected an array, e.g. .merge([{ id: 1 }])');
                  const out = {};
                  for (let i = 0; i < Math.max(this.length, others.length); i++) {
                    if (isPlainObject(this[i])) add(out, add(Object.assign({}, this[i]), isPlainObject(others[i]) ? others[i] : {}));
                  }
                  return out;
                },
                union(others) {
                  if (!Array.isArray(others)) fail('union', 'expected an array, e.g. .union([1, 2])');
                  return this.concat(others).unique();
                },
                difference(others) {
                  if (!Array.isArray(others)) fail('difference', 'expected an array, e.g. .difference([1, 2])');
                  return this.filter(function (v) { return !others.some(function (w) { return equal(v, w); }); }).unique();
                },
                intersection(others) {
                  if (!Array.isArray(others)) fail('intersection', 'expected an array, e.g. .intersection([1, 2])');
                  const self = this;
                  return this.filter(function (v) { return others.some(function (w) { return equal(v, w); }); })
                    .concat(others.filter(function (v) { return self.some(function (w) { return equal(v, w); }); })).unique();
                },
                append() { return this.concat(Array.prototype.slice.call(arguments)); },
                toJsonString() { return JSON.stringify(this); }
              });

              install(Number.prototype, {
                round(decimals) { const f = Math.pow(10, decimals || 0); return Math.round(Number(this) * f) / f; },
                floor() { return Math.floor(Number(this)); },
                ceil() { return Math.ceil(Number(this)); },
                abs() { return Math.abs(Number(this)); },
                isEven() { const n = Number(this); if (!Number.isInteger(n)) fail('isEven', 'the number is not an integer'); return n % 2 === 0; },
                isOdd() { const n = Number(this); if (!Number.isInteger(n)) fail('isOdd', 'the number is not an integer'); return Math.abs(n % 2) === 1; },
                isInteger() { return Number.isInteger(Number(this)); },
                toBoolean() { return Number(this) !== 0; },
                format(locales, options) { return new Intl.NumberFormat(locales, options).format(Number(this)); },
                toDateTime(format) { return numberToDateTime(Number(this), format); },
                toJsonString() { return JSON.stringify(Number(this)); }
              });

              install(Object.prototype, {
                isEmpty() { return Object.keys(objectOnly(this, 'isEmpty')).length === 0; },
                isNotEmpty() { return Object.keys(objectOnly(this, 'isNotEmpty')).length > 0; },
                hasField(name) { return Object.prototype.hasOwnProperty.call(objectOnly(this, 'hasField'), name); },
                removeField(name) { const copy = Object.assign({}, objectOnly(this, 'removeField')); delete copy[name]; return copy; },
                removeFieldsContaining(value) {
                  const self = objectOnly(this, 'removeFieldsContaining'), copy = {};
                  Object.keys(self).forEach(function (k) { if (!(typeof self[k] === 'string' && self[k].indexOf(String(value)) >= 0)) copy[k] = self[k]; });
                  return copy;
                },
                keepFieldsContaining(value) {
                  const self = objectOnly(this, 'keepFieldsContaining'), copy = {};
                  Object.keys(self).forEach(function (k) { if (typeof self[k] === 'string' && self[k].indexOf(String(value)) >= 0) copy[k] = self[k]; });
                  return copy;
                },
                compact() {
                  const self = objectOnly(this, 'compact'), copy = {};
                  Object.keys(self).forEach(function (k) {
                    const v = self[k];
                    if (v === null || v === undefined || v === 'nil' || v === '') return;
                    copy[k] = isPlainObject(v) ? v.compact() : v;
                  });
                  return copy;
                },
                keys() { return Object.keys(objectOnly(this, 'keys')); },
                values() { return Object.values(objectOnly(this, 'values')); },
                toJsonString() { return JSON.stringify(objectOnly(this, 'toJsonString')); },
                urlEncode() {
                  const self = objectOnly(this, 'urlEncode');
                  return Object.keys(self).map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(String(self[k])); }).join('&');
                }
              });
            })();
            """;
}
