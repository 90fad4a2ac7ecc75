package io.nlink.server.credentials;

import io.nlink.runtime.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that seals stored credentials: AES-256-GCM, a fresh 12-byte nonce per sealing, the
 * credential's id and type bound in as associated data (a sealed secret copied into another row
 * does not open there). The key is 32 random bytes, base64 in a file the operator holds: by
 * default {@code credentials.key} in the data directory, created 0600 on first start; servers of
 * a cluster share one through {@code --credentials-key-file}. It never enters the database: a
 * copy of the database alone opens no secret.
 */
public final class CredentialKey {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final String id;
    private final Path file;

    private CredentialKey(byte[] bytes, Path file) {
        this.key = new SecretKeySpec(bytes, "AES");
        // Names the key in the database without revealing it: a hash of the key, domain-separated.
        this.id = Sha256.hex(("nlink credentials key " + Base64.getEncoder().encodeToString(bytes))
                        .getBytes(StandardCharsets.UTF_8))
                .substring(0, 16);
        this.file = file;
    }

    /**
     * The key in {@code file}, made (0600, in an owner-only directory) when it does not exist.
     *
     * @throws IOException when it cannot be read or made, or does not hold a 32-byte key; the
     *     message names the file and what to do
     */
    public static CredentialKey load(Path file) throws IOException {
        if (!Files.exists(file)) create(file);
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            bytes = new byte[0];
        }
        if (bytes.length != 32) {
            throw new IOException(
                    "the credentials key file " + file
                            + " does not hold a key (expected 32 bytes in base64, as nLink writes it);"
                            + " restore the file this server's credentials were stored with, or give it with --credentials-key-file");
        }
        return new CredentialKey(bytes, file);
    }

    private static void create(Path file) throws IOException {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        byte[] text = (Base64.getEncoder().encodeToString(bytes) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) io.nlink.server.db.OwnerOnly.directory(parent);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        try (var channel = posix
                ? Files.newByteChannel(
                        file,
                        EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.newByteChannel(file, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
            channel.write(ByteBuffer.wrap(text));
        } catch (FileAlreadyExistsException raced) {
            // another server on the same directory made it first: use theirs
        }
    }

    /** A short name of this key, stored beside each secret it seals. */
    public String id() {
        return id;
    }

    public Path file() {
        return file;
    }

    /** {@code plain} sealed for the credential {@code credentialId} of {@code type}: base64 of nonce and ciphertext. */
    String seal(String credentialId, String type, byte[] plain) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associated(credentialId, type));
            byte[] sealed = cipher.doFinal(plain);
            return Base64.getEncoder()
                    .encodeToString(ByteBuffer.allocate(nonce.length + sealed.length)
                            .put(nonce)
                            .put(sealed)
                            .array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /** The plain bytes of a {@link #seal sealed} secret; fails when the key, id or type differ or the text was changed. */
    byte[] open(String credentialId, String type, String sealed) throws GeneralSecurityException {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(sealed);
        } catch (IllegalArgumentException e) {
            throw new AEADBadTagException("the stored secret is not base64");
        }
        if (bytes.length < NONCE_BYTES + TAG_BITS / 8) throw new AEADBadTagException("the stored secret is too short");
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
        cipher.updateAAD(associated(credentialId, type));
        return cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES);
    }

    private static byte[] associated(String credentialId, String type) {
        return ("nlink credential\n" + credentialId + "\n" + type).getBytes(StandardCharsets.UTF_8);
    }
}
