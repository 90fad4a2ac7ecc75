package io.nlink.workflow.expr;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * n8n's date library in code: expressions and the Code node get Luxon's {@code DateTime},
 * {@code Duration} and {@code Interval}, and {@code $now} / {@code $today} as Luxon DateTimes in the
 * workflow's time zone ({@code settings.timezone}, else the server's), which is also the zone of a
 * date read without an offset ({@code DateTime.fromISO("2024-05-01T10:00")}), as in n8n.
 *
 * <p>Luxon is the npm package itself (its WebJar, version in the root pom) and runs inside the
 * sandbox, like the code that calls it. Code sees it only through read-only views ({@link
 * #MEMBRANE}): its {@code Settings} stay out of reach (the locale is en-US; the zone is set before
 * each call), and nothing a call does to Luxon's objects or caches can reach a later call. Only scripts
 * whose code names one of these pay for loading it (80 KB of JavaScript, once per sandbox
 * instance).
 */
public final class Luxon {
    private Luxon() {}

    private static final Pattern USED = Pattern.compile("\\b(DateTime|Duration|Interval)\\b|\\$now\\b|\\$today\\b");

    /** Whether any of {@code codes} names something Luxon provides. */
    public static boolean usedBy(Collection<String> codes) {
        for (String code : codes) if (USED.matcher(code).find()) return true;
        return false;
    }

    /**
     * JavaScript defining {@code DateTime}, {@code Duration}, {@code Interval} and
     * {@code __dates(zone)}, which sets Luxon up for one call in {@code zone} and returns its
     * {@code {now, today}}; without {@code used}, only a {@code __dates} that returns nothing, so
     * a script that names none of them loads no Luxon.
     */
    public static String script(boolean used) {
        return script(used, false);
    }

    /**
     * As {@link #script(boolean)}; with {@code extended}, Luxon's DateTime also has n8n's
     * extension functions of dates ({@link Extensions}): {@code format(f)}, {@code plus(n, unit)}
     * and {@code minus(n, unit)} beside Luxon's own forms, {@code beginningOf(unit)},
     * {@code endOfMonth()}, {@code extract(unit)} (Luxon's own {@code isWeekend} stays a property), {@code toDateTime()}. For
     * expressions only: n8n's Code node has Luxon as it is.
     */
    static String script(boolean used, boolean extended) {
        if (!used) return "function __dates(zone) { return { now: undefined, today: undefined }; }\n";
        return "const __luxon = (function () {\n'use strict';\n" + Source.TEXT + "\n;\n"
                + (extended ? DATE_EXTENSIONS : "") + MEMBRANE + "})();\n" + """
                const DateTime = __luxon.DateTime, Duration = __luxon.Duration, Interval = __luxon.Interval;
                function __dates(zone) { return __luxon.dates(zone); }
                """;
    }

    /**
     * Runs inside the function that loaded Luxon (so {@code luxon} is local) and hands code only
     * read-only views of Luxon: a proxy over each object or function it returns, which forwards
     * reads and calls (with Luxon's own objects underneath) and refuses every write. Luxon keeps
     * zones, locales and formatters in caches that outlive a call, where the realm's lockdown
     * cannot reach; through the views, code can use them but never change them, so an evaluator
     * with Luxon can still serve later runs ({@link EvaluatorPool}). Plain data Luxon returns
     * ({@code toObject()}, arrays) comes as copies; an error it throws comes as a new Error with
     * its message. {@code dates(zone)} sets the zone for one call, then gives its
     * {@code now} and {@code today}.
     */
    private static final String MEMBRANE = """
            const settings = luxon.Settings, raw = new WeakMap(), views = new WeakMap();
            const refuse = function (what) {
              return function (t, key) { throw new TypeError('Luxon objects are read-only here: cannot ' + what + (key === undefined ? '' : ' ' + String(key)) + '; make a new one (plus, set, setZone…)'); };
            };
            const rethrow = function (e) {
              throw new Error(e !== null && typeof e === 'object' && 'message' in e ? String(e.message) : String(e));
            };
            const isPlain = function (o) {
              const p = Object.getPrototypeOf(o);
              return p === Object.prototype || p === null;
            };
            // A copy of plain object o with each applied to its values.
            const copyPlain = function (o, each) {
              const copy = {};
              for (const k of Object.keys(o)) copy[k] = each(o[k]);
              return copy;
            };
            const unwrap = function (v) {
              if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
              if (raw.has(v)) return raw.get(v);
              if (Array.isArray(v)) return v.map(unwrap);
              if (typeof v === 'function') {
                const f = v; // code's own callback (Interval.mapEndpoints, Duration.mapUnits): it sees views
                return function () { return unwrap(Reflect.apply(f, view(this), Array.prototype.map.call(arguments, view))); };
              }
              return isPlain(v) ? copyPlain(v, unwrap) : v;
            };
            const view = function (v) {
              if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
              if (raw.has(v)) return v;
              if (Array.isArray(v)) return v.map(view);
              if (typeof v === 'object' && isPlain(v)) return copyPlain(v, view);
              let p = views.get(v);
              if (p) return p;
              // A shadow target keeps the proxy's invariants off Luxon's objects: the shadow is empty,
              // extensible and configurable, whatever the object underneath is.
              // A function's shadow is constructible exactly when the function has a prototype (a class).
              const shadow = typeof v !== 'function' ? {} : Reflect.getOwnPropertyDescriptor(v, 'prototype') ? function () {} : ({ m() {} }).m;
              p = new Proxy(shadow, {
                get: function (t, key) { try { return view(Reflect.get(v, key, v)); } catch (e) { rethrow(e); } },
                has: function (t, key) { return Reflect.has(v, key); },
                ownKeys: function () { return Reflect.ownKeys(v); },
                getOwnPropertyDescriptor: function (t, key) {
                  const d = Reflect.getOwnPropertyDescriptor(v, key);
                  if (d === undefined) return undefined;
                  // A function shadow's own `prototype` cannot be reported configurable.
                  const s = Reflect.getOwnPropertyDescriptor(t, key), fixed = s !== undefined && !s.configurable;
                  return { value: view(Reflect.get(v, key, v)), writable: fixed, enumerable: fixed ? s.enumerable : d.enumerable, configurable: !fixed };
                },
                getPrototypeOf: function () { return view(Reflect.getPrototypeOf(v)); },
                apply: function (t, self, args) {
                  try { return view(Reflect.apply(v, unwrap(self), Array.prototype.map.call(args, unwrap))); } catch (e) { rethrow(e); }
                },
                construct: function (t, args) {
                  try { return view(Reflect.construct(v, Array.prototype.map.call(args, unwrap))); } catch (e) { rethrow(e); }
                },
                set: refuse('set'), defineProperty: refuse('define'), deleteProperty: refuse('delete'),
                setPrototypeOf: refuse('change the prototype'), preventExtensions: refuse('freeze')
              });
              views.set(v, p);
              raw.set(p, v);
              return p;
            };
            // Set once: code cannot reach the settings, so only the zone, which is each run's own, changes.
            settings.defaultLocale = 'en-US';
            settings.throwOnInvalid = false;
            // An arrow function has no prototype object, so freezing it leaves nothing to write to.
            const dates = (zone) => {
              settings.defaultZone = zone;
              const now = luxon.DateTime.now();
              return { now: view(now), today: view(now.startOf('day')) };
            };
            return Object.freeze({
              DateTime: view(luxon.DateTime), Duration: view(luxon.Duration), Interval: view(luxon.Interval),
              dates: Object.freeze(dates)
            });
            """;

    /** Set on Luxon's own prototype before any view of it is made, so code sees them as Luxon's methods. */
    private static final String DATE_EXTENSIONS = """
            (function (proto) {
              // n8n's plus(5, 'days') beside Luxon's plus({ days: 5 }), plus(duration) and plus(milliseconds).
              const shift = function (original) {
                return function (amount, unit) {
                  if (typeof amount === 'number' && typeof unit === 'string') {
                    const by = {};
                    by[unit] = amount;
                    return original.call(this, by);
                  }
                  return original.call(this, amount);
                };
              };
              proto.plus = shift(proto.plus);
              proto.minus = shift(proto.minus);
              proto.format = function (format, options) { return this.toFormat(format, options); };
              proto.beginningOf = function (unit) { return this.startOf(unit === undefined ? 'week' : unit); };
              proto.endOfMonth = function () { return this.endOf('month'); };
              proto.extract = function (unit) {
                const u = unit === undefined ? 'week' : unit;
                return u === 'week' ? this.weekNumber : u === 'yearDayNumber' ? this.ordinal : this.get(u);
              };
              proto.toDateTime = function () { return this; };
            })(luxon.DateTime.prototype);
            """;

    /** Luxon's browser build, read once from its WebJar. */
    private static final class Source {
        static final String TEXT = read();

        private static String read() {
            ClassLoader loader = Luxon.class.getClassLoader();
            try (InputStream pom = loader.getResourceAsStream("META-INF/maven/org.webjars.npm/luxon/pom.properties")) {
                if (pom == null) throw new IllegalStateException("Luxon's WebJar is not on the class path");
                Properties properties = new Properties();
                properties.load(pom);
                String path = "META-INF/resources/webjars/luxon/" + properties.getProperty("version")
                        + "/build/global/luxon.min.js";
                try (InputStream js = loader.getResourceAsStream(path)) {
                    if (js == null) throw new IllegalStateException("Luxon's WebJar has no " + path);
                    return new String(js.readAllBytes(), StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading Luxon from its WebJar", e);
            }
        }
    }
}
