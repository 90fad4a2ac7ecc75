package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** A real server on a free loopback port with its owner signed in; H2 in a temp folder or PostgreSQL. */
final class TestServer implements AutoCloseable {
    static final String OWNER = "owner";
    static final String OWNER_PASSWORD = "correct horse battery";

    final NlinkServer server;
    final ApiClient owner;

    private TestServer(NlinkServer server, ApiClient owner) {
        this.server = server;
        this.owner = owner;
    }

    /** Starts a server on {@code database} and creates the owner through the set-up link. */
    static TestServer start(Path dataDir, TestDatabase database) throws Exception {
        return start(config(dataDir, database));
    }

    /** Starts a server with {@code config} (a fresh database) and creates the owner through the set-up link. */
    static TestServer start(ServerConfig config) throws Exception {
        NlinkServer server = NlinkServer.start(config);
        ApiClient owner = new ApiClient(server.url());
        String link = server.setupUrl().orElseThrow(() -> new AssertionError("a fresh server has no set-up link"));
        String token = URI.create(link.replace("/#/", "/")).getQuery().substring("token=".length());
        ApiClient.Response setup =
                owner.post("/api/setup", Map.of("token", token, "username", OWNER, "password", OWNER_PASSWORD));
        assertThat(setup.status()).as(setup.toString()).isEqualTo(201);
        owner.csrf = setup.json().path("csrfToken").asText();
        return new TestServer(server, owner);
    }

    static ServerConfig config(Path dataDir, TestDatabase database) {
        ServerConfig config = ServerConfig.DEFAULTS.withPort(0).withDataDirectory(dataDir);
        return database.url() == null
                ? config
                : config.withDatabase(database.url(), database.user(), database.password());
    }

    ApiClient anonymous() {
        return new ApiClient(server.url());
    }

    /** A new account with {@code role}, signed in. */
    ApiClient user(String name, String role) {
        ApiClient.Response created =
                owner.post("/api/users", Map.of("username", name, "password", name + "-password", "role", role));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        ApiClient client = new ApiClient(server.url());
        assertThat(client.login(name, name + "-password").status()).isEqualTo(200);
        return client;
    }

    @Override
    public void close() {
        server.close();
    }
}
