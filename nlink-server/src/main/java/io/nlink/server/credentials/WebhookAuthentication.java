package io.nlink.server.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.Sha256;
import io.nlink.workflow.CredentialTypes;
import io.nlink.workflow.JwtVerifier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.function.UnaryOperator;

/**
 * n8n's Webhook authentication, checked against the node's credential before the call becomes a
 * run: {@code basicAuth} (an {@code httpBasicAuth} credential: no or unreadable Authorization
 * header is 401 with a Basic challenge, a wrong user or password 403) and {@code headerAuth} (an
 * {@code httpHeaderAuth} credential: a missing or wrong header is 403) and {@code jwtAuth} (a
 * {@code jwtAuth} credential: no bearer token is 401 "No token provided", a token that does not
 * verify 403 with the reason, {@link JwtVerifier}), with n8n's messages.
 * Secrets are compared in constant time, over their hashes, so neither their content nor their
 * length shows in the time an answer takes.
 */
public final class WebhookAuthentication {
    /** Why a call was refused: 401 (with a challenge) or 403, and the message n8n gives. */
    public record Refusal(int status, String message, String challenge) {}

    private static final Refusal REQUIRED = new Refusal(401, "Authorization is required!", "Basic realm=\"Webhook\"");
    private static final Refusal WRONG = new Refusal(403, "Authorization data is wrong!", null);

    /** A JWT check: the refusal, or (when it passed) the token's claims, which n8n gives the run as {@code jwtPayload}. */
    public record JwtOutcome(Refusal refusal, ObjectNode claims) {}

    private static final Refusal NO_TOKEN = new Refusal(401, "No token provided", null);

    private WebhookAuthentication() {}

    /**
     * n8n's {@code jwtAuth}: the token after the scheme of the Authorization header, verified by
     * the credential's key and algorithm ({@link JwtVerifier}) at {@code now}.
     */
    public static JwtOutcome jwt(JsonNode credential, String authorization, Instant now) {
        String[] words =
                authorization == null ? new String[0] : authorization.strip().split("\\s+");
        if (words.length < 2 || words[1].isEmpty()) return new JwtOutcome(NO_TOKEN, null);
        JwtVerifier verifier;
        try {
            verifier = JwtVerifier.of(CredentialTypes.normalised("jwtAuth", credential));
        } catch (IllegalArgumentException e) {
            // Stored data is checked when stored: this is a credential changed behind the API's back.
            return new JwtOutcome(
                    new Refusal(
                            500,
                            "No authentication data defined on node! The workflow's owner must fix its JWT credential",
                            null),
                    null);
        }
        try {
            return new JwtOutcome(null, verifier.verify(words[1], now));
        } catch (JwtVerifier.Rejected e) {
            return new JwtOutcome(new Refusal(403, e.getMessage(), null), null);
        }
    }

    /**
     * Whether a call may go on.
     *
     * @param authentication the Webhook node's {@code authentication}: basicAuth or headerAuth
     * @param credential     the node's credential data
     * @param header         the call's header of a name (any case), or null
     * @return null when the call proved itself, else why not
     */
    public static Refusal check(String authentication, JsonNode credential, UnaryOperator<String> header) {
        return switch (authentication) {
            case "basicAuth" -> basic(credential, header.apply("Authorization"));
            case "headerAuth" -> {
                String sent = header.apply(credential.path("name").asText());
                yield sent != null && same(sent, credential.path("value").asText()) ? null : WRONG;
            }
            default ->
                throw new IllegalArgumentException("authentication \"" + authentication + "\" is not checked here");
        };
    }

    private static Refusal basic(JsonNode credential, String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) return REQUIRED;
        String pair;
        try {
            pair = new String(
                    Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return REQUIRED;
        }
        int colon = pair.indexOf(':');
        if (colon < 0) return REQUIRED;
        // Both compared always: which of the two was wrong does not show in the time taken.
        boolean user = same(pair.substring(0, colon), credential.path("user").asText());
        boolean password =
                same(pair.substring(colon + 1), credential.path("password").asText());
        return user & password ? null : WRONG;
    }

    private static boolean same(String given, String expected) {
        return MessageDigest.isEqual(digest(given), digest(expected));
    }

    private static byte[] digest(String s) {
        return Sha256.hex(s.getBytes(StandardCharsets.UTF_8)).getBytes(StandardCharsets.US_ASCII);
    }
}
