package io.nlink.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the cluster secret does to the messages members send each other (docs/scaling.md, "The
 * cluster secret"). Two keys are derived from the secret, which itself never crosses the wire:
 * <ul>
 *   <li>a <b>join token</b> folded into the Hazelcast cluster name, so a member without the secret
 *       (or with another one) is turned away at join, as a member of another cluster is;
 *   <li>an <b>AES-256-GCM key</b> that seals every piece of work and every answer: a process that
 *       got past the join (the token travels in the clear) can neither read the work sent to it nor
 *       forge work or answers. A sealed task names the member it is for and when it was sent, and
 *       each one is accepted once, so a recorded task cannot be replayed to run an execution again.
 * </ul>
 * Without a secret (a cluster on loopback only) nothing is sealed: {@link #OPEN}.
 * Thread-safe.
 */
final class MessageSeal {
    /** A cluster without a secret: bodies travel as they are. */
    static final MessageSeal OPEN = new MessageSeal(null, null);

    static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    /** How far a task's send time may be from this member's clock: the replay window. */
    static final long FRESH_MILLIS = 60_000;
    /**
     * Tasks remembered for the replay check at most: beyond it new tasks are refused until older
     * ones leave the window (about 100 bytes each; a busy member sees a few hundred a second).
     */
    private static final int REMEMBERED_LIMIT = 200_000;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Why a message was refused: it was not sealed with this cluster's key, or it was replayed. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    private final SecretKeySpec key;
    private final String joinToken;
    /** Nonces of tasks accepted within the replay window, with when they may be forgotten. */
    private final Map<ByteBuffer, Long> accepted = new ConcurrentHashMap<>();

    private final java.util.concurrent.atomic.AtomicLong acceptedSoFar = new java.util.concurrent.atomic.AtomicLong();

    private MessageSeal(SecretKeySpec key, String joinToken) {
        this.key = key;
        this.joinToken = joinToken;
    }

    /** The seal for {@code secret} in the cluster named {@code clusterName}; {@link #OPEN} when there is no secret. */
    static MessageSeal of(String secret, String clusterName) {
        if (secret == null) return OPEN;
        byte[] secretBytes = secret.getBytes(StandardCharsets.UTF_8);
        byte[] sealKey = hmac(secretBytes, "nlink cluster seal\0" + clusterName);
        String token = HexFormat.of().formatHex(hmac(secretBytes, "nlink cluster join\0" + clusterName), 0, 16);
        return new MessageSeal(new SecretKeySpec(sealKey, "AES"), token);
    }

    /**
     * This key with {@code other}'s join token: what a process that read the token off the wire,
     * but does not hold the secret, could make. For tests.
     */
    MessageSeal withJoinTokenOf(MessageSeal other) {
        return new MessageSeal(key, other.joinToken);
    }

    boolean sealed() {
        return key != null;
    }

    /** The Hazelcast cluster name: {@code name} itself without a secret, else {@code name} and the join token. */
    String hazelcastName(String name) {
        return joinToken == null ? name : name + "-" + joinToken;
    }

    static byte[] newNonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    /** {@code body} sealed under {@code nonce}, bound to {@code context} (authenticated, not encrypted). */
    byte[] seal(byte[] body, byte[] nonce, byte[] context) {
        if (key == null) return body;
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context);
            return cipher.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /** The body of a {@link #seal}ed message, checked to have been sealed with this key for this context. */
    byte[] open(byte[] sealed, byte[] nonce, byte[] context) throws Refused {
        if (key == null) return sealed;
        if (nonce == null || nonce.length != NONCE_BYTES) throw new Refused("a message arrived without its nonce");
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context);
            return cipher.doFinal(sealed);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new Refused("a message arrived that was not sealed with this cluster's secret");
        } catch (GeneralSecurityException e) {
            throw new Refused("a message arrived that could not be opened: " + e.getMessage());
        }
    }

    /**
     * Accepts a task sealed for {@code target} at {@code sentAtMillis} under {@code nonce} once:
     * refused when it is for another member, outside the replay window, or seen before. A cluster
     * without a secret accepts everything (nothing is sealed, so nothing could be checked).
     */
    void acceptOnce(UUID target, UUID self, long sentAtMillis, byte[] nonce) throws Refused {
        if (key == null) return;
        if (!self.equals(target)) throw new Refused("a task arrived that was sealed for another member");
        long now = System.currentTimeMillis();
        if (Math.abs(now - sentAtMillis) > FRESH_MILLIS) {
            throw new Refused(
                    "a task arrived sent " + (now - sentAtMillis) / 1000 + " s from this member's clock (more than "
                            + FRESH_MILLIS / 1000 + " s: a replay, or the members' clocks disagree)");
        }
        if (acceptedSoFar.incrementAndGet() % 1024 == 0 || accepted.size() >= REMEMBERED_LIMIT) {
            accepted.values().removeIf(forgetAt -> forgetAt < now);
        }
        if (accepted.size() >= REMEMBERED_LIMIT)
            throw new Refused("too many tasks within the replay window; refused until older ones expire");
        if (accepted.putIfAbsent(ByteBuffer.wrap(nonce.clone()), sentAtMillis + 2 * FRESH_MILLIS) != null) {
            throw new Refused("a task arrived a second time (a replay)");
        }
    }

    /** Tasks remembered for the replay check; for tests. */
    int remembered() {
        return accepted.size();
    }

    private static byte[] hmac(byte[] secret, String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JVM", e);
        }
    }
}
