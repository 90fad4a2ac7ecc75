package io.nlink.server.auth;

import io.nlink.server.refusal.BusyGate;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashing with the JDK's own PBKDF2-HMAC-SHA256 (no extra library to trust), at the
 * 600,000 iterations OWASP recommends for it; a stored hash records its own iteration count, so
 * raising it later keeps old hashes valid.
 *
 * <p>Stored form: {@code pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>}.
 *
 * <p>Every hash passes through {@link #HASHING}, so at most one per core runs at once;
 * both methods may throw a 429 {@link io.nlink.server.refusal.Busy} when the server is busy.
 */
public final class Passwords {
    static final int ITERATIONS = 600_000;

    /**
     * The one gate all password work of this process passes through: 600,000 iterations are open to
     * anyone at sign-in, so one hash per core; a caller waits up to 2 s, long enough to ride out a
     * burst of honest sign-ins, short enough to hold no thread for long.
     */
    static final BusyGate HASHING = new BusyGate(
            Runtime.getRuntime().availableProcessors(), Duration.ofSeconds(2), "checking other passwords", 2);

    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final String SCHEME = "pbkdf2-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Shortest password accepted: NIST SP 800-63B's minimum for user-chosen secrets. */
    public static final int MIN_LENGTH = 8;

    /** Longest accepted: bounds the hashing work an attacker can ask for. */
    public static final int MAX_LENGTH = 256;

    private Passwords() {}

    /** Why {@code password} is not acceptable, or null when it is. */
    public static String weakness(String password) {
        if (password == null || password.length() < MIN_LENGTH) {
            return "the password must have at least " + MIN_LENGTH + " characters";
        }
        if (password.length() > MAX_LENGTH) {
            return "the password must have at most " + MAX_LENGTH + " characters";
        }
        return null;
    }

    public static String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return SCHEME + "$" + ITERATIONS + "$" + b64(salt) + "$"
                + b64(HASHING.run(() -> derive(password, salt, ITERATIONS)));
    }

    /** Whether {@code password} matches {@code stored}; false for anything malformed. */
    public static boolean matches(String password, String stored) {
        if (password == null || password.length() > MAX_LENGTH || stored == null) return false;
        String[] parts = stored.split("\\$");
        if (parts.length != 4 || !parts[0].equals(SCHEME)) return false;
        try {
            int iterations = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            return MessageDigest.isEqual(expected, HASHING.run(() -> derive(password, salt, iterations)));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(spec)
                    .getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK lacks PBKDF2WithHmacSHA256", e);
        } finally {
            spec.clearPassword();
        }
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().withoutPadding().encodeToString(bytes);
    }
}
