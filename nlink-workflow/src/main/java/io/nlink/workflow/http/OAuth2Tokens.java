package io.nlink.workflow.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.Sha256;
import io.nlink.runtime.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OAuth2 access tokens by the client-credentials grant (RFC 6749 4.4), for an {@code oAuth2Api}
 * credential: fetched from the token URL through {@link GuardedHttp} (the same SSRF guard and
 * bounds as any request of the run), kept until shortly before they expire, fetched again after.
 * A resource server's 401 means the token is no longer good: {@link #forget} drops it so the next
 * request fetches a new one.
 *
 * <p>The cache is keyed by everything that decides a token: a hash of the whole client (token
 * URL, id, secret, scope, how the secret is sent), who holds it ({@link Client#holder}: on a
 * server the stored credential's id and the account whose run uses it) and the egress policy it
 * was fetched under. So a token is only ever handed to a run of the same account using the same
 * credential with the same secret, under the same policy; two accounts with look-alike
 * credentials (same client id and secret) each fetch their own, and a token fetched where one
 * policy allowed the token URL is never served under a policy that would not have. The secret
 * itself is never kept here. At most {@value #MAX_CACHED} tokens, the least recently used going
 * first, each for at most {@link #MAX_LIFETIME}.
 */
public final class OAuth2Tokens {
    /** The process's tokens, shared by every run. */
    public static final OAuth2Tokens SHARED = new OAuth2Tokens(Clock.systemUTC());

    /**
     * One OAuth2 client.
     *
     * @param secretInBody send the id and secret as form fields ({@code authentication: "body"})
     *                     instead of HTTP Basic ({@code "header"}, RFC 6749's default)
     * @param holder       who holds the credential, as the run's credentials said
     *                     ({@link io.nlink.workflow.CredentialResolver#HOLDER}); empty when they
     *                     said nothing (a credentials file of {@code nlink workflow run})
     */
    public record Client(
            URI tokenUrl, String clientId, String clientSecret, String scope, boolean secretInBody, String holder) {
        public Client {
            holder = holder == null ? "" : holder;
        }

        /** A client no holder is known for. */
        public Client(URI tokenUrl, String clientId, String clientSecret, String scope, boolean secretInBody) {
            this(tokenUrl, clientId, clientSecret, scope, secretInBody, "");
        }

        String key() {
            return Sha256.hex(String.join(
                            "\0",
                            tokenUrl.toString(),
                            clientId,
                            clientSecret,
                            scope,
                            Boolean.toString(secretInBody),
                            holder)
                    .getBytes(StandardCharsets.UTF_8));
        }

        /** Without the secret: a client may end up in a message or a log line. */
        @Override
        public String toString() {
            return "OAuth2 client " + clientId + " of " + GuardedHttp.shown(tokenUrl)
                    + (holder.isEmpty() ? "" : " (" + holder + ")");
        }
    }

    /** What a cached token is found by: the client (hashed) and the policy it was fetched under. */
    private record Key(String client, EgressPolicy policy) {}

    /** How long before its expiry a token is no longer handed out: it must outlive the request it goes with. */
    static final Duration MARGIN = Duration.ofSeconds(30);
    /** A token whose answer gave no {@code expires_in}: used this long at most (or until a 401). */
    static final Duration WITHOUT_EXPIRY = Duration.ofHours(1);
    /** The longest a token is kept, whatever its {@code expires_in} says: a revoked one is not used for years. */
    static final Duration MAX_LIFETIME = Duration.ofHours(12);

    static final int MAX_TOKEN = 16 * 1024;
    static final int MAX_CACHED = 1024;

    /** @param lifetime what the token endpoint said ({@code expires_in}), or null when it said nothing */
    private record Token(String value, Instant usableUntil, Duration lifetime) {}

    private final Clock clock;
    /** Least recently used first, so the oldest goes when it is full. */
    private final Map<Key, Token> cache;

    OAuth2Tokens(Clock clock) {
        this(clock, MAX_CACHED);
    }

    /** With another bound; for tests. */
    OAuth2Tokens(Clock clock, int maxCached) {
        this.clock = clock;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Token> eldest) {
                return size() > maxCached;
            }
        };
    }

    /** A usable access token of {@code client}: the cached one, or a new one from its token URL. */
    public String token(Client client, EgressPolicy policy) throws GuardedHttp.HttpFailure {
        Key key = new Key(client.key(), policy);
        synchronized (cache) {
            Token cached = cache.get(key);
            if (cached != null && clock.instant().isBefore(cached.usableUntil())) return cached.value();
        }
        Token fresh = fetch(client, policy);
        synchronized (cache) {
            cache.put(key, fresh);
        }
        return fresh.value();
    }

    /**
     * Fetches a new token of {@code client} (a credential's test), keeps it for later requests and
     * says what was had, without the token.
     */
    public String check(Client client, EgressPolicy policy) throws GuardedHttp.HttpFailure {
        Token fresh = fetch(client, policy);
        synchronized (cache) {
            cache.put(new Key(client.key(), policy), fresh);
        }
        return "got a bearer token from " + GuardedHttp.shown(client.tokenUrl())
                + (fresh.lifetime() == null
                        ? " (no expiry given)"
                        : ", valid for " + fresh.lifetime().toSeconds() + " s");
    }

    /**
     * Drops {@code token} of {@code client} under {@code policy} (the resource server refused it);
     * a newer one stays.
     */
    public void forget(Client client, EgressPolicy policy, String token) {
        Key key = new Key(client.key(), policy);
        synchronized (cache) {
            Token cached = cache.get(key);
            if (cached != null && cached.value().equals(token)) cache.remove(key);
        }
    }

    /** How many tokens are kept now. */
    int size() {
        synchronized (cache) {
            return cache.size();
        }
    }

    private Token fetch(Client client, EgressPolicy policy) throws GuardedHttp.HttpFailure {
        StringBuilder form = new StringBuilder("grant_type=client_credentials");
        if (!client.scope().isBlank())
            form.append("&scope=").append(form(client.scope().strip()));
        List<GuardedHttp.Header> headers = new ArrayList<>();
        headers.add(new GuardedHttp.Header("Content-Type", "application/x-www-form-urlencoded"));
        headers.add(new GuardedHttp.Header("Accept", "application/json"));
        if (client.secretInBody()) {
            form.append("&client_id=")
                    .append(form(client.clientId()))
                    .append("&client_secret=")
                    .append(form(client.clientSecret()));
        } else {
            // RFC 6749 2.3.1: id and secret form-encoded before Basic's base64.
            String pair = form(client.clientId()) + ":" + form(client.clientSecret());
            headers.add(new GuardedHttp.Header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8))));
        }
        String where = "the OAuth2 token URL " + GuardedHttp.shown(client.tokenUrl());
        GuardedHttp.Response response;
        try {
            // No redirects: a token endpoint that moves would carry the secret to wherever it points.
            response = new GuardedHttp(policy)
                    .send(
                            new GuardedHttp.Request(
                                    "POST",
                                    client.tokenUrl(),
                                    List.copyOf(headers),
                                    form.toString().getBytes(StandardCharsets.UTF_8),
                                    Set.of("authorization")),
                            null,
                            new GuardedHttp.Redirects(false, 0));
        } catch (GuardedHttp.HttpFailure e) {
            throw new GuardedHttp.HttpFailure("getting an OAuth2 token: " + e.getMessage());
        }
        JsonNode body;
        try {
            body = Json.parse(response.body());
        } catch (IOException e) {
            body = Json.MAPPER.createObjectNode();
        }
        if (response.status() != 200) {
            // Only the standard error fields (RFC 6749 5.2): the rest of the body may echo what was sent.
            String error = clip(body.path("error").asText(""))
                    + (body.path("error_description").isTextual()
                            ? ": " + clip(body.path("error_description").asText())
                            : "");
            throw new GuardedHttp.HttpFailure(
                    where + " answered HTTP " + response.status() + (error.isEmpty() ? "" : " (" + error + ")")
                            + "; check the credential's client id, secret and scope");
        }
        String token = body.path("access_token").asText("");
        if (token.isEmpty())
            throw new GuardedHttp.HttpFailure(
                    where + " answered without an access_token (a JSON object with access_token is expected)");
        if (token.length() > MAX_TOKEN || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new GuardedHttp.HttpFailure(where + " answered an access_token that cannot go in a header (over "
                    + MAX_TOKEN + " characters, or not visible ASCII)");
        }
        String type = body.path("token_type").asText("bearer");
        if (!type.equalsIgnoreCase("bearer")) {
            throw new GuardedHttp.HttpFailure(
                    where + " answered a token of type \"" + clip(type) + "\"; only bearer tokens are supported");
        }
        Instant now = clock.instant();
        JsonNode expiresIn = body.path("expires_in");
        long seconds =
                expiresIn.isNumber() ? expiresIn.asLong() : expiresIn.isTextual() ? parseLong(expiresIn.asText()) : -1;
        // A short-lived token is used for its first half at most, a longer one until MARGIN before its end.
        Instant until = seconds < 0
                ? now.plus(WITHOUT_EXPIRY)
                : now.plusSeconds(Math.min(seconds, MAX_LIFETIME.toSeconds()))
                        .minus(Duration.ofSeconds(Math.min(MARGIN.toSeconds(), seconds / 2)));
        return new Token(token, until, seconds < 0 ? null : Duration.ofSeconds(seconds));
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String clip(String s) {
        String one = s.replaceAll("\\p{Cntrl}", " ");
        return one.length() > 200 ? one.substring(0, 200) + "…" : one;
    }

    private static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The token URL of a credential, checked to be an http(s) address with a host. */
    public static URI tokenUrl(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "accessTokenUrl: \"" + url + "\" is not a valid URL (" + e.getReason() + ")");
        }
        if (uri.getScheme() == null
                || !(uri.getScheme().equalsIgnoreCase("https")
                        || uri.getScheme().equalsIgnoreCase("http"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "accessTokenUrl: \"" + url + "\" is not an http or https address with a host");
        }
        return uri;
    }
}
