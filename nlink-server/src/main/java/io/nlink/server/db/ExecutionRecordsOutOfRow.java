package io.nlink.server.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * Schema version 10: on H2, {@code executions.record} becomes a CLOB, kept by H2 outside the row
 * in blocks of at most 256 KiB. As {@code TEXT} (H2's {@code CHARACTER VARYING}) each record sat in
 * its row, and a transaction that updated or deleted many rows of 40 KiB or more filled H2's undo
 * log with pages over 2 MiB. H2 (2.2.220 up to at least 2.5.252) reads the length of such a
 * page from the file even while the chunk holding it is still only in memory, so it read past
 * the file's end or a stale length ("File corrupted in chunk N, expected page length 4..4"), and
 * the store then refused every later write (docs/reliability.md, "H2 file"). Out of the row, an
 * undo entry is a reference of a few dozen bytes.
 *
 * <p>In Java because PostgreSQL has no CLOB type and needs nothing: its {@code TEXT} values are
 * kept out of the row (TOAST) already.
 */
final class ExecutionRecordsOutOfRow implements JavaMigration {
    @Override
    public MigrationVersion getVersion() {
        return MigrationVersion.fromVersion("10");
    }

    @Override
    public String getDescription() {
        return "execution records out of row";
    }

    @Override
    public Integer getChecksum() {
        return 10; // changes only with this class's statement
    }

    @Override
    public boolean canExecuteInTransaction() {
        return true;
    }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        if (!"H2".equals(c.getMetaData().getDatabaseProductName())) return;
        try (Statement s = c.createStatement()) {
            s.execute("ALTER TABLE executions ALTER COLUMN record SET DATA TYPE CHARACTER LARGE OBJECT");
        }
    }
}
