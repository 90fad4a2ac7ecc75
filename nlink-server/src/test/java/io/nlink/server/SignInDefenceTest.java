package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Sign-in defences through a real server: attempts counted before the password is checked (so
 * parallel guesses cannot all pass), per name and per client address, the owner never locked out
 * of every address, and JSON bodies only as {@code application/json}. Clients on different
 * loopback addresses (127.0.0.x) stand for different machines; the server reads the address from
 * the connection.
 */
class SignInDefenceTest extends SharedServer {
    private static final int PARALLEL = 24;

    @Test
    void parallelWrongPasswordsEndInTheLockOutAndTheOwnerStillSignsInFromElsewhere() throws Exception {
        ApiClient attacker = from("127.0.0.2");
        List<ApiClient.Response> answers = untilLockedOut(
                parallel(PARALLEL, () -> attacker.login(TestServer.OWNER, "wrong-password")),
                () -> attacker.login(TestServer.OWNER, "wrong-password"));

        assertThat(answers)
                .allSatisfy(r -> assertThat(r.status()).as(r.toString()).isIn(401, 429));
        // Counted before the check: no more than the free failures ever reached the password check.
        assertThat(answers.stream().filter(r -> r.status() == 401).count()).isBetween(1L, 5L);
        ApiClient.Response locked = attacker.login(TestServer.OWNER, TestServer.OWNER_PASSWORD);
        assertThat(locked.status())
                .as("even the right password, from the guessing address")
                .isEqualTo(429);
        assertThat(locked.json().path("error").asText()).contains("too many wrong passwords for this account");
        assertThat(locked.raw().headers().firstValue("Retry-After"))
                .get()
                .satisfies(s -> assertThat(Long.parseLong(s)).isBetween(1L, 60L));

        ApiClient ownerElsewhere = from("127.0.0.3");
        ApiClient.Response signedIn = ownerElsewhere.login(TestServer.OWNER, TestServer.OWNER_PASSWORD);
        assertThat(signedIn.status()).as(signedIn.toString()).isEqualTo(200);
        assertThat(ownerElsewhere.get("/api/users").status()).isEqualTo(200);
    }

    @Test
    void anotherAccountIsLockedOnEveryAddress() throws Exception {
        server.user("mia", "member");
        ApiClient attacker = from("127.0.0.4");
        List<ApiClient.Response> answers = untilLockedOut(
                parallel(PARALLEL, () -> attacker.login("mia", "wrong-password")),
                () -> attacker.login("mia", "wrong-password"));

        assertThat(answers.stream().filter(r -> r.status() == 401).count()).isBetween(1L, 5L);
        assertThat(answers.stream().filter(r -> r.status() == 429).count()).isGreaterThanOrEqualTo(PARALLEL - 5L);
        ApiClient.Response elsewhere = from("127.0.0.5").login("mia", "mia-password");
        assertThat(elsewhere.status())
                .as("a member's lock-out holds for every address, for a minute")
                .isEqualTo(429);
    }

    @Test
    void oneAddressGuessingManyNamesIsLockedOutItself() throws Exception {
        ApiClient sprayer = from("127.0.0.6");
        int refusedAsWrong = 0;
        ApiClient.Response last = null;
        for (int i = 0; i < 25; i++) {
            last = sprayer.login("sprayed-" + i, "wrong-password");
            if (last.status() == 401) refusedAsWrong++;
            else break;
        }
        assertThat(refusedAsWrong).isEqualTo(20);
        assertThat(last.status()).isEqualTo(429);
        assertThat(last.json().path("error").asText()).contains("too many wrong passwords from your address");
        assertThat(sprayer.login(TestServer.OWNER, TestServer.OWNER_PASSWORD).status())
                .as("the whole address is locked")
                .isEqualTo(429);
        assertThat(from("127.0.0.7")
                        .login(TestServer.OWNER, TestServer.OWNER_PASSWORD)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void forwardingHeadersDoNotChangeTheAddress() throws Exception {
        ApiClient attacker = from("127.0.0.8");
        for (int i = 0; i < 5; i++) {
            ApiClient.Response r = attacker.postRaw(
                    "/api/session",
                    "application/json",
                    "{\"username\": \"owner\", \"password\": \"wrong-password\"}".getBytes());
            assertThat(r.status()).isEqualTo(401);
        }
        assertThat(attacker.login(TestServer.OWNER, TestServer.OWNER_PASSWORD).status())
                .isEqualTo(429);
        // X-Forwarded-For is written by the client; the server does not take it as the address.
        var forged = java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.server.url() + "/api/session"))
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", "203.0.113.9")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"username\": \"owner\", \"password\": \"" + TestServer.OWNER_PASSWORD + "\"}"))
                .build();
        var http = java.net.http.HttpClient.newBuilder()
                .localAddress(InetAddress.getByName("127.0.0.8"))
                .build();
        assertThat(http.send(forged, java.net.http.HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(429);
    }

    @Test
    void signInTakesOnlyJson() {
        ApiClient browser = server.anonymous();
        byte[] credentials =
                ("{\"username\": \"owner\", \"password\": \"" + TestServer.OWNER_PASSWORD + "\"}").getBytes();
        for (String type : List.of(
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/jsonx")) {
            ApiClient.Response r = browser.postRaw("/api/session", type, credentials);
            assertThat(r.status()).as(type).isEqualTo(415);
            assertThat(r.json().path("error").asText())
                    .contains(
                            "POST /api/session takes a JSON body",
                            "Content-Type: application/json",
                            type.split(";")[0]);
        }
        assertThat(browser.get("/api/session").status())
                .as("no session was opened")
                .isEqualTo(401);
        assertThat(browser.postRaw("/api/session", "Application/JSON; charset=utf-8", credentials)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void everyJsonRouteChecksTheType() {
        ApiClient.Response r = server.owner.postRaw(
                "/api/workflows", "text/plain", "{\"name\": \"x\", \"nodes\": [], \"connections\": {}}".getBytes());
        assertThat(r.status()).isEqualTo(415);
        assertThat(r.json().path("error").asText()).contains("POST /api/workflows takes a JSON body");
    }

    private static ApiClient from(String loopbackAddress) throws UnknownHostException {
        return ApiClient.from(server.server.url(), InetAddress.getByName(loopbackAddress));
    }

    /**
     * {@code answers}, followed by more single attempts until the lock-out holds. On a loaded
     * machine the password gate turns some of a burst away as busy (a 429 that is not the
     * lock-out): no password was checked, so the attempt is taken back, and with it the lock-out
     * its count had caused for the others of the burst; then the lock-out holds only once five
     * wrong passwords were really checked. The count of 401s over all the answers still shows that
     * no more than those ever reached a password check.
     */
    private static List<ApiClient.Response> untilLockedOut(
            List<ApiClient.Response> answers, Callable<ApiClient.Response> attempt) throws Exception {
        List<ApiClient.Response> all = new ArrayList<>(answers);
        for (int more = 0; more < 15 && !lockOutHolds(all); more++) all.add(attempt.call());
        return all;
    }

    private static boolean lockOutHolds(List<ApiClient.Response> answers) {
        boolean tooBusy = answers.stream().anyMatch(r -> r.status() == 429 && !lockedOut(r));
        long checked = answers.stream().filter(r -> r.status() == 401).count();
        if (!tooBusy) return answers.stream().anyMatch(SignInDefenceTest::lockedOut);
        return checked >= 5 && lockedOut(answers.get(answers.size() - 1));
    }

    private static boolean lockedOut(ApiClient.Response r) {
        return r.status() == 429 && r.json().path("error").asText().contains("too many wrong passwords");
    }

    /** Runs {@code attempt} {@code count} times at once (all released together) and returns every answer. */
    private static <T> List<T> parallel(int count, Callable<T> attempt) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return attempt.call();
                }));
            }
            start.countDown();
            List<T> answers = new ArrayList<>();
            for (Future<T> f : futures) answers.add(f.get());
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }
}
