package io.nlink.workflow.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Token lifetimes and answers of a real token server on loopback, with a clock the test moves. */
class OAuth2TokensTest {
    /** A clock that stands still until the test moves it. */
    static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void aTokenIsUsedUntilShortlyBeforeItExpires() throws Exception {
        AtomicInteger issued = new AtomicInteger();
        AtomicReference<String> answer = new AtomicReference<>("{\"access_token\": \"t%d\", \"expires_in\": 120}");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/token", x -> {
            x.getRequestBody().readAllBytes();
            byte[] body = String.format(answer.get(), issued.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            MovableClock clock = new MovableClock();
            OAuth2Tokens tokens = new OAuth2Tokens(clock);
            EgressPolicy policy = EgressPolicy.DEFAULTS.allowing("127.0.0.1");
            OAuth2Tokens.Client client = new OAuth2Tokens.Client(
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token"),
                    "id",
                    "secret",
                    "",
                    false);

            assertThat(tokens.token(client, policy)).isEqualTo("t1");
            clock.now = clock.now.plus(Duration.ofSeconds(89));
            assertThat(tokens.token(client, policy)).isEqualTo("t1");
            // 30 s before its expiry it is no longer handed out.
            clock.now = clock.now.plus(Duration.ofSeconds(1));
            assertThat(tokens.token(client, policy)).isEqualTo("t2");
            // Another secret is another client: it never gets this one's token.
            assertThat(tokens.token(new OAuth2Tokens.Client(client.tokenUrl(), "id", "other", "", false), policy))
                    .isEqualTo("t3");
            // forget drops only the token named: a newer one stays.
            tokens.forget(client, policy, "t1");
            assertThat(tokens.token(client, policy)).isEqualTo("t2");
            tokens.forget(client, policy, "t2");
            assertThat(tokens.token(client, policy)).isEqualTo("t4");

            // Without expires_in: an hour at most.
            answer.set("{\"access_token\": \"t%d\", \"token_type\": \"bearer\"}");
            tokens.forget(client, policy, "t4");
            assertThat(tokens.token(client, policy)).isEqualTo("t5");
            clock.now = clock.now.plus(Duration.ofMinutes(59));
            assertThat(tokens.token(client, policy)).isEqualTo("t5");
            clock.now = clock.now.plus(Duration.ofMinutes(1));
            assertThat(tokens.token(client, policy)).isEqualTo("t6");

            answer.set("{\"access_token\": \"t%d\", \"token_type\": \"mac\"}");
            clock.now = clock.now.plus(Duration.ofHours(2));
            assertThatThrownBy(() -> tokens.token(client, policy))
                    .hasMessageContaining("answered a token of type \"mac\"; only bearer tokens are supported");
            answer.set("{\"access_token\": \"bad\\r\\nX-Injected: 1 %d\"}");
            assertThatThrownBy(() -> tokens.token(client, policy))
                    .hasMessageContaining("an access_token that cannot go in a header");
            answer.set("{\"token\": \"t%d\"}");
            assertThatThrownBy(() -> tokens.token(client, policy))
                    .hasMessageContaining("answered without an access_token");
        } finally {
            server.stop(0);
        }
    }

    /**
     * Everything that decides a token keys it: one client held by two accounts' credentials gets
     * two tokens, one client under two egress policies two; the cache keeps at most its bound, the
     * least recently used going first, and no token longer than its cap, whatever it claims.
     */
    @Test
    void aTokenIsServedOnlyToItsHolderUnderItsPolicyAndTheCacheIsBounded() throws Exception {
        AtomicInteger issued = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/token", x -> {
            x.getRequestBody().readAllBytes();
            // Ten years: the cache keeps it MAX_LIFETIME at most.
            byte[] body = ("{\"access_token\": \"t" + issued.incrementAndGet() + "\", \"expires_in\": 315360000}")
                    .getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            MovableClock clock = new MovableClock();
            OAuth2Tokens tokens = new OAuth2Tokens(clock);
            EgressPolicy policy = EgressPolicy.DEFAULTS.allowing("127.0.0.1");
            URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
            OAuth2Tokens.Client ann =
                    new OAuth2Tokens.Client(url, "app", "secret", "", false, "credential A for account 1");
            OAuth2Tokens.Client bob =
                    new OAuth2Tokens.Client(url, "app", "secret", "", false, "credential B for account 2");

            assertThat(tokens.token(ann, policy)).isEqualTo("t1");
            assertThat(tokens.token(bob, policy))
                    .as("same client, another holder")
                    .isEqualTo("t2");
            assertThat(tokens.token(ann, policy)).isEqualTo("t1");
            assertThat(tokens.token(bob, policy)).isEqualTo("t2");
            // A policy that allows more is another policy: what it fetched is not served under the first.
            EgressPolicy wider = policy.allowing("10.0.0.0/8");
            assertThat(tokens.token(ann, wider)).isEqualTo("t3");
            assertThat(tokens.token(ann, policy)).isEqualTo("t1");
            // forget under one policy leaves the other's token.
            tokens.forget(ann, wider, "t3");
            assertThat(tokens.token(ann, policy)).isEqualTo("t1");
            // The secret never shows in a client's text.
            assertThat(ann.toString()).doesNotContain("secret").contains("app", "credential A for account 1");

            clock.now = clock.now.plus(OAuth2Tokens.MAX_LIFETIME).minusSeconds(31);
            assertThat(tokens.token(ann, policy)).isEqualTo("t1");
            clock.now = clock.now.plusSeconds(1);
            assertThat(tokens.token(ann, policy))
                    .as("kept no longer than the cap")
                    .isEqualTo("t4");

            OAuth2Tokens small = new OAuth2Tokens(clock, 3);
            for (int i = 0; i < 5; i++) {
                small.token(new OAuth2Tokens.Client(url, "app", "secret", "", false, "holder " + i), policy);
            }
            assertThat(small.size()).isEqualTo(3);
            int before = issued.get();
            small.token(new OAuth2Tokens.Client(url, "app", "secret", "", false, "holder 4"), policy);
            assertThat(issued.get()).as("the newest is kept").isEqualTo(before);
            small.token(new OAuth2Tokens.Client(url, "app", "secret", "", false, "holder 0"), policy);
            assertThat(issued.get()).as("the oldest went").isEqualTo(before + 1);
        } finally {
            server.stop(0);
        }
    }
}
