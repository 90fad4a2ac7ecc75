package io.nlink.server;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** One real server (embedded H2, owner signed in) for all the tests of a class. */
abstract class SharedServer {
    @TempDir
    static Path data;

    static TestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = TestServer.start(data, TestDatabase.H2);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) server.close();
    }
}
