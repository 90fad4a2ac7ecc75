package io.nlink.workflow.nodes;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.IsoFields;
import java.util.List;
import java.util.Locale;

/**
 * Dates as n8n's Date &amp; Time node reads and writes them: Luxon's format tokens (version 2,
 * {@code yyyy-MM-dd HH:mm}) and Moment's (version 1, {@code YYYY-MM-DD HH:mm}), Luxon's ISO text,
 * and the date texts n8n accepts (ISO 8601, RFC 2822 / HTTP dates, SQL's "yyyy-MM-dd HH:mm:ss",
 * Unix timestamps in seconds or milliseconds, with a fraction or not).
 */
final class DateFormats {
    private DateFormats() {}

    enum Dialect {
        LUXON,
        MOMENT
    }

    /**
     * Reads {@code text} as a date; one without an offset is in {@code zone}, and the result is
     * shown in {@code zone}.
     *
     * @throws IllegalArgumentException saying which forms are understood
     */
    private static final List<DateTimeFormatter> SLASHED = java.util.stream.Stream.of(
                    "uuuu/M/d[ H:mm[:ss]]", "M/d/uuuu[ H:mm[:ss]]")
            .map(p -> new DateTimeFormatterBuilder()
                    .appendPattern(p)
                    .parseDefaulting(ChronoField.HOUR_OF_DAY, 0)
                    .toFormatter(Locale.ENGLISH)
                    .withResolverStyle(java.time.format.ResolverStyle.STRICT))
            .toList();

    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("-?\\d{1,20}(\\.\\d{1,20})?");

    /** Where n8n (Luxon) stops reading a number as seconds and starts reading it as milliseconds. */
    private static final java.math.BigDecimal MILLISECONDS_FROM = java.math.BigDecimal.valueOf(1_000_000_000_000L);

    /**
     * A Unix timestamp as n8n's Date &amp; Time reads one: under 10^12 it counts seconds
     * (1682918315, or 1682918315.906 with its milliseconds), from there milliseconds.
     */
    static ZonedDateTime fromTimestamp(java.math.BigDecimal timestamp, ZoneId zone) {
        java.math.BigDecimal millis =
                timestamp.abs().compareTo(MILLISECONDS_FROM) < 0 ? timestamp.movePointRight(3) : timestamp;
        try {
            return Instant.ofEpochMilli(
                            millis.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact())
                    .atZone(zone);
        } catch (ArithmeticException | java.time.DateTimeException e) {
            throw new IllegalArgumentException("the timestamp " + timestamp.toPlainString()
                    + " is out of the range of dates; give Unix seconds or milliseconds");
        }
    }

    static ZonedDateTime parse(String text, ZoneId zone) {
        String t = text.strip();
        if (NUMBER.matcher(t).matches()) return fromTimestamp(new java.math.BigDecimal(t), zone);
        try {
            return OffsetDateTime.parse(t).atZoneSameInstant(zone);
        } catch (DateTimeParseException ignored) {
        }
        try {
            return ZonedDateTime.parse(t).withZoneSameInstant(zone);
        } catch (DateTimeParseException ignored) {
        }
        try {
            return LocalDateTime.parse(t.replace(' ', 'T')).atZone(zone);
        } catch (DateTimeParseException ignored) {
        }
        try {
            return LocalDate.parse(t).atStartOfDay(zone);
        } catch (DateTimeParseException ignored) {
        }
        try {
            return ZonedDateTime.parse(t, DateTimeFormatter.RFC_1123_DATE_TIME).withZoneSameInstant(zone);
        } catch (DateTimeParseException ignored) {
        }
        // The slashed forms n8n reads through JavaScript's Date (Date & Time's own "yyyy/MM/dd" output among them).
        for (DateTimeFormatter slashed : SLASHED) {
            try {
                return LocalDateTime.parse(t, slashed).atZone(zone);
            } catch (DateTimeParseException ignored) {
            }
        }
        throw new IllegalArgumentException(
                "\"" + t + "\" is not a date nLink can read; give ISO 8601 (2024-03-01T09:30:00Z),"
                        + " \"2024-03-01 09:30:00\", \"2024/03/01\", \"03/01/2024\" (month first), an HTTP date or a Unix timestamp (seconds or milliseconds)");
    }

    /** Reads {@code text} with an explicit format in {@code dialect}'s tokens. */
    static ZonedDateTime parse(String text, String format, Dialect dialect, ZoneId zone) {
        DateTimeFormatter formatter = new DateTimeFormatterBuilder()
                .parseCaseInsensitive()
                .appendPattern(javaPattern(format, dialect))
                .parseDefaulting(ChronoField.HOUR_OF_DAY, 0)
                .toFormatter(Locale.ENGLISH);
        try {
            var parsed =
                    formatter.parseBest(text.strip(), ZonedDateTime::from, OffsetDateTime::from, LocalDateTime::from);
            if (parsed instanceof ZonedDateTime z) return z.withZoneSameInstant(zone);
            if (parsed instanceof OffsetDateTime o) return o.atZoneSameInstant(zone);
            return ((LocalDateTime) parsed).atZone(zone);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "\"" + text + "\" does not match the format \"" + format + "\": " + e.getMessage());
        }
    }

    /** Luxon's {@code toString()}/{@code toISO()}: milliseconds always, "Z" only in UTC itself. */
    static String luxonIso(ZonedDateTime date) {
        String base = date.format(DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS"));
        return base
                + (isUtc(date.getZone())
                        ? "Z"
                        : date.getOffset().getId().equals("Z")
                                ? "+00:00"
                                : date.getOffset().getId());
    }

    private static boolean isUtc(ZoneId zone) {
        return zone.equals(ZoneOffset.UTC)
                || zone.getId().equals("UTC")
                || zone.getId().equals("Etc/UTC")
                || zone.getId().equals("GMT");
    }

    /** {@code date} written with {@code format} in {@code dialect}'s tokens (X: epoch seconds, x: epoch milliseconds). */
    static String format(ZonedDateTime date, String format, Dialect dialect) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i);
            if ((dialect == Dialect.LUXON && c == '\'') || (dialect == Dialect.MOMENT && c == '[')) {
                char close = c == '\'' ? '\'' : ']';
                int end = format.indexOf(close, i + 1);
                if (end < 0) end = format.length();
                out.append(format, i + 1, end);
                i = end + 1;
                continue;
            }
            if (!Character.isLetter(c)) {
                out.append(c);
                i++;
                continue;
            }
            int j = i;
            while (j < format.length() && format.charAt(j) == c) j++;
            String token = format.substring(i, j);
            // Moment's "Do": the day with its English ordinal.
            if (dialect == Dialect.MOMENT && token.equals("D") && j < format.length() && format.charAt(j) == 'o') {
                out.append(ordinal(date.getDayOfMonth()));
                i = j + 1;
                continue;
            }
            out.append(dialect == Dialect.LUXON ? luxon(date, token) : moment(date, token));
            i = j;
        }
        return out.toString();
    }

    private static String luxon(ZonedDateTime d, String token) {
        return switch (token) {
            case "X" -> Long.toString(d.toEpochSecond());
            case "x" -> Long.toString(d.toInstant().toEpochMilli());
            case "Z" -> offset(d, false, true);
            case "ZZ" -> offset(d, true, false);
            case "ZZZ" -> offset(d, false, false);
            case "z" -> d.getZone().getId();
            case "ZZZZ" -> d.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case "ccc", "EEE" -> d.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case "cccc", "EEEE" -> d.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case "c", "E" -> Integer.toString(d.getDayOfWeek().getValue());
            case "LLL" -> d.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case "LLLL" -> d.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case "L" -> Integer.toString(d.getMonthValue());
            case "LL" -> pad(d.getMonthValue(), 2);
            case "a" -> d.getHour() < 12 ? "AM" : "PM";
            case "S" -> Integer.toString(d.getNano() / 1_000_000);
            case "W" -> Integer.toString(d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case "WW" -> pad(d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2);
            case "kkkk" -> Integer.toString(d.get(IsoFields.WEEK_BASED_YEAR));
            case "o" -> Integer.toString(d.getDayOfYear());
            case "ooo" -> pad(d.getDayOfYear(), 3);
            case "q" -> Integer.toString(d.get(IsoFields.QUARTER_OF_YEAR));
            case "yyyy",
                    "yy",
                    "y",
                    "MMMM",
                    "MMM",
                    "MM",
                    "M",
                    "dd",
                    "d",
                    "HH",
                    "H",
                    "hh",
                    "h",
                    "mm",
                    "m",
                    "ss",
                    "s",
                    "SSS" -> java(d, token);
            default ->
                throw new IllegalArgumentException(
                        "the format token \"" + token + "\" is not supported; quote literal text as 'text'");
        };
    }

    private static String moment(ZonedDateTime d, String token) {
        return switch (token) {
            case "YYYY" -> java(d, "yyyy");
            case "YY" -> java(d, "yy");
            case "MMMM", "MMM", "MM", "M", "HH", "H", "hh", "h", "mm", "m", "ss", "s", "SSS" -> java(d, token);
            case "DD" -> pad(d.getDayOfMonth(), 2);
            case "D" -> Integer.toString(d.getDayOfMonth());
            case "DDDD" -> pad(d.getDayOfYear(), 3);
            case "DDD" -> Integer.toString(d.getDayOfYear());
            case "dddd" -> d.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case "ddd" -> d.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case "d" -> Integer.toString(d.getDayOfWeek().getValue() % 7);
            case "A" -> d.getHour() < 12 ? "AM" : "PM";
            case "a" -> d.getHour() < 12 ? "am" : "pm";
            case "X" -> Long.toString(d.toEpochSecond());
            case "x" -> Long.toString(d.toInstant().toEpochMilli());
            case "Z" -> offset(d, true, false);
            case "ZZ" -> offset(d, false, false);
            case "Q" -> Integer.toString(d.get(IsoFields.QUARTER_OF_YEAR));
            case "W", "w" -> Integer.toString(d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case "WW", "ww" -> pad(d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2);
            case "S" -> Integer.toString(d.getNano() / 100_000_000);
            case "SS" -> pad(d.getNano() / 10_000_000, 2);
            case "z", "zz" -> d.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            default ->
                throw new IllegalArgumentException(
                        "the format token \"" + token + "\" is not supported; put literal text in [brackets]");
        };
    }

    private static String java(ZonedDateTime d, String token) {
        return d.format(DateTimeFormatter.ofPattern(token.replace('y', 'u'), Locale.ENGLISH));
    }

    private static String pad(int value, int width) {
        return String.format("%0" + width + "d", value);
    }

    private static String offset(ZonedDateTime d, boolean colon, boolean shortest) {
        int seconds = d.getOffset().getTotalSeconds();
        String sign = seconds < 0 ? "-" : "+";
        int h = Math.abs(seconds) / 3600, m = Math.abs(seconds) % 3600 / 60;
        if (shortest) return sign + h + (m == 0 ? "" : ":" + pad(m, 2));
        return sign + pad(h, 2) + (colon ? ":" : "") + pad(m, 2);
    }

    private static String ordinal(int day) {
        String suffix = day % 100 >= 11 && day % 100 <= 13
                ? "th"
                : switch (day % 10) {
                    case 1 -> "st";
                    case 2 -> "nd";
                    case 3 -> "rd";
                    default -> "th";
                };
        return day + suffix;
    }

    /** A format in {@code dialect}'s tokens as a java.time pattern, for parsing. */
    static String javaPattern(String format, Dialect dialect) {
        if (dialect == Dialect.LUXON) {
            return format.replace("ZZZ", "xx")
                    .replace("ZZ", "xxx")
                    .replace("yyyy", "uuuu")
                    .replace("cccc", "EEEE")
                    .replace("ccc", "EEE");
        }
        StringBuilder out = new StringBuilder();
        boolean literal = false;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c == '[') {
                out.append('\'');
                literal = true;
                continue;
            }
            if (c == ']' && literal) {
                out.append('\'');
                literal = false;
                continue;
            }
            out.append(
                    literal
                            ? c
                            : switch (c) {
                                case 'Y' -> 'u';
                                case 'D' -> 'd';
                                case 'A' -> 'a';
                                case 'Z' -> 'X';
                                default -> c;
                            });
        }
        return out.toString()
                .replace("dddd", "EEEE")
                .replace("ddd", "EEE")
                .replace("XX", "xx")
                .replace("X", "xxx");
    }
}
