package io.nlink.server.auth;

import io.nlink.runtime.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/** Random bearer secrets (session cookies, CSRF tokens, API keys, the set-up token) and their stored form. */
final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {}

    /** 256 random bits, URL-safe. */
    static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * What the database keeps of a high-entropy secret. A fast hash is right here: the secret is
     * 256 random bits, so there is nothing to brute-force, and a leaked table opens no session.
     */
    static String stored(String secret) {
        return Sha256.hex(secret.getBytes(StandardCharsets.UTF_8));
    }
}
