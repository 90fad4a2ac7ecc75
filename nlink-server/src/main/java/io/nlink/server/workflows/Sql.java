package io.nlink.server.workflows;

import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** How the workflows and executions tables store times and bounded texts, in H2 and PostgreSQL alike. */
final class Sql {
    private Sql() {}

    static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }

    static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    /** A name column's bound: 200 characters. */
    static String truncate(String s) {
        return truncate(s, 200);
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    /** SQLSTATE 23505, unique violation, in H2 and PostgreSQL alike. */
    static boolean uniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }
}
