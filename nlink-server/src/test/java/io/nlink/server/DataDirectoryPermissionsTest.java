package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data directory and the H2 files are the server user's alone, whatever the umask. */
class DataDirectoryPermissionsTest {
    @Test
    void aFreshDataDirectoryAndItsDatabaseAreOwnerOnly(@TempDir Path temp) throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path data = temp.resolve("new-parent/data");
        try (TestServer server = TestServer.start(data, TestDatabase.H2)) {
            assertThat(server.owner.get("/api/health").status()).isEqualTo(200);
            assertThat(mode(temp.resolve("new-parent"))).isEqualTo("rwx------");
            assertThat(mode(data)).isEqualTo("rwx------");
            assertThat(mode(data.resolve("db"))).isEqualTo("rwx------");
            assertThat(mode(data.resolve("db/nlink.mv.db"))).isEqualTo("rw-------");
        }
    }

    @Test
    void anEarlierDatabaseMadeWithTheUmaskIsTightenedAtStart(@TempDir Path data) throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        TestServer.start(data, TestDatabase.H2).close();
        Files.setPosixFilePermissions(data.resolve("db"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(data.resolve("db/nlink.mv.db"), PosixFilePermissions.fromString("rw-r--r--"));
        try (var server = NlinkServer.start(TestServer.config(data, TestDatabase.H2))) {
            assertThat(mode(data.resolve("db"))).isEqualTo("rwx------");
            assertThat(mode(data.resolve("db/nlink.mv.db"))).isEqualTo("rw-------");
        }
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
