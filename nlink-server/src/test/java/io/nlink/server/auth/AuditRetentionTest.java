package io.nlink.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.server.db.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log's bounds on a real (H2) database: old entries go, the count is bounded, and a
 * flood of failed sign-ins is bounded on its own, so it cannot push the other entries out.
 */
class AuditRetentionTest {
    @Test
    void oldEntriesGoAndFailedSignInsCannotPushTheRestOut(@TempDir Path data) throws Exception {
        try (Database db = Database.open(null, null, null, data)) {
            AuditLog audit = new AuditLog(db, Duration.ofDays(30), 50, 10);
            db.update(
                    "INSERT INTO audit_log (at, action, target) VALUES (?, 'user-created', 'ancient')",
                    OffsetDateTime.now().minusDays(31));
            for (int i = 0; i < 20; i++)
                audit.record(AuditLog.Action.USER_CREATED, 1L, "owner", "user" + i, "127.0.0.1", null);
            for (int i = 0; i < 300; i++)
                audit.record(AuditLog.Action.SIGN_IN_FAILED, null, null, "guess" + i, "10.0.0.9", "wrong password");
            audit.prune();

            var entries = audit.page(null, AuditLog.MAX_PAGE).entries();
            assertThat(entries)
                    .filteredOn(e -> e.action().equals("sign-in-failed"))
                    .hasSize(10)
                    .first()
                    .extracting(AuditLog.Entry::target)
                    .isEqualTo("guess299");
            assertThat(entries)
                    .filteredOn(e -> e.action().equals("user-created"))
                    .extracting(AuditLog.Entry::target)
                    .as("every account change kept; the one older than 30 days gone")
                    .hasSize(20)
                    .doesNotContain("ancient");

            for (int i = 0; i < 60; i++)
                audit.record(AuditLog.Action.NODE_INSTALLED, 1L, "owner", "node" + i + "@1.0.0", "127.0.0.1", null);
            audit.prune();
            assertThat(audit.page(null, AuditLog.MAX_PAGE).entries())
                    .hasSize(50)
                    .first()
                    .extracting(AuditLog.Entry::target)
                    .isEqualTo("node59@1.0.0");
        }
    }
}
