package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Crypto (n8n-nodes-base.crypto), version 1: writes to {@code dataPropertyName} ("data") of each
 * item the result of its {@code action}:
 * <ul>
 *   <li>hash (the default): {@code value} hashed with {@code type} (MD5, SHA1, SHA256, SHA384,
 *       SHA512, SHA3-256, SHA3-384, SHA3-512), as {@code encoding} hex (the default) or base64;
 *   <li>hmac: the same, keyed with {@code secret};
 *   <li>sign: {@code value} signed with {@code privateKey} (PEM, PKCS #8 or PKCS #1) by
 *       {@code algorithm} (RSA-SHA1, RSA-SHA256, RSA-SHA384, RSA-SHA512; n8n's RSA-MD4 and other
 *       OpenSSL names are refused: the JDK has no MD4 signature, OpenSSL 3 none by default);
 *   <li>generate: a random {@code encodingType} uuid (the default), hex, base64 or ascii
 *       (letters and digits) string of {@code stringLength} characters.
 * </ul>
 * Text is hashed as UTF-8, as n8n does. Hashing binary data ({@code binaryData}) is refused:
 * nLink items carry no binary data.
 */
final class CryptoNode implements NodeType {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<List<Item>> outputs = run.outputs(1);
        run.eachItem(run.input(0), outputs, (i, item, p) -> {
            ObjectNode out =
                    item.json().isObject() ? ((ObjectNode) item.json()).deepCopy() : Json.MAPPER.createObjectNode();
            Fields.put(
                    out,
                    p.path("dataPropertyName").asText("data"),
                    Json.MAPPER.getNodeFactory().textNode(result(p)),
                    true);
            outputs.get(0).add(run.item(out, item));
        });
        return outputs;
    }

    private static String result(JsonNode p) {
        String action = p.path("action").asText("hash");
        if (p.path("binaryData").asBoolean(false)) {
            throw new IllegalArgumentException(
                    "binaryData: nLink items carry no binary data; hash a text field instead");
        }
        String encoding = p.path("encoding").asText("hex");
        byte[] value = p.path("value").isTextual()
                ? p.path("value").asText().getBytes(StandardCharsets.UTF_8)
                : p.path("value").isMissingNode() || p.path("value").isNull()
                        ? new byte[0]
                        : p.path("value").toString().getBytes(StandardCharsets.UTF_8);
        try {
            return switch (action) {
                case "hash" ->
                    encode(
                            MessageDigest.getInstance(digest(p.path("type").asText("MD5")))
                                    .digest(value),
                            encoding);
                case "hmac" -> {
                    String algorithm =
                            "Hmac" + digest(p.path("type").asText("MD5")).replace("-", "");
                    Mac mac = Mac.getInstance(algorithm);
                    byte[] secret = p.path("secret").asText("").getBytes(StandardCharsets.UTF_8);
                    // A MAC key may be empty in n8n; the JDK wants at least one byte, and HMAC pads the key with zeros
                    // anyway.
                    mac.init(new SecretKeySpec(secret.length == 0 ? new byte[1] : secret, algorithm));
                    yield encode(mac.doFinal(value), encoding);
                }
                case "sign" -> {
                    Signature signature =
                            Signature.getInstance(signature(p.path("algorithm").asText("RSA-SHA256")));
                    signature.initSign(privateKey(p.path("privateKey").asText("")));
                    signature.update(value);
                    yield encode(signature.sign(), encoding);
                }
                case "generate" ->
                    generate(
                            p.path("encodingType").asText("uuid"),
                            p.path("stringLength").asInt(32));
                default ->
                    throw new IllegalArgumentException(
                            "action: expected hash, hmac, sign or generate; got \"" + action + "\"");
            };
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(action + " failed: " + e.getMessage());
        }
    }

    /** n8n's hash names as the JDK's. */
    private static String digest(String type) {
        return switch (type.toUpperCase(Locale.ROOT)) {
            case "MD5" -> "MD5";
            case "SHA1" -> "SHA-1";
            case "SHA256" -> "SHA-256";
            case "SHA384" -> "SHA-384";
            case "SHA512" -> "SHA-512";
            case "SHA3-256" -> "SHA3-256";
            case "SHA3-384" -> "SHA3-384";
            case "SHA3-512" -> "SHA3-512";
            default ->
                throw new IllegalArgumentException("type: \"" + type
                        + "\" is not one of MD5, SHA1, SHA256, SHA384, SHA512, SHA3-256, SHA3-384, SHA3-512");
        };
    }

    private static String signature(String algorithm) {
        return switch (algorithm.toUpperCase(Locale.ROOT)) {
            case "RSA-SHA1", "SHA1" -> "SHA1withRSA";
            case "RSA-SHA256", "SHA256" -> "SHA256withRSA";
            case "RSA-SHA384", "SHA384" -> "SHA384withRSA";
            case "RSA-SHA512", "SHA512" -> "SHA512withRSA";
            default ->
                throw new IllegalArgumentException(
                        "algorithm: \"" + algorithm + "\" is not one of RSA-SHA1, RSA-SHA256, RSA-SHA384, RSA-SHA512");
        };
    }

    private static PrivateKey privateKey(String pem) throws GeneralSecurityException {
        // PKCS #1 (what openssl genrsa and n8n's own tests give) or PKCS #8.
        boolean pkcs1 = pem.contains("BEGIN RSA PRIVATE KEY");
        String body =
                pem.replaceAll("-----(BEGIN|END) (RSA )?PRIVATE KEY-----", "").replaceAll("\\s", "");
        if (body.isEmpty())
            throw new IllegalArgumentException(
                    "privateKey: give a PEM private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("privateKey: not a PEM key: " + e.getMessage());
        }
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs1 ? pkcs8Of(der) : der));
        } catch (java.security.spec.InvalidKeySpecException e) {
            throw new IllegalArgumentException(
                    "privateKey: not an RSA private key the JDK can read: " + e.getMessage());
        }
    }

    /** A PKCS #1 RSAPrivateKey wrapped as PKCS #8: SEQUENCE { 0, SEQUENCE { rsaEncryption, NULL }, OCTET STRING { key } }. */
    private static byte[] pkcs8Of(byte[] pkcs1) {
        byte[] version = {0x02, 0x01, 0x00};
        byte[] algorithm = {
            0x30,
            0x0d,
            0x06,
            0x09,
            0x2a,
            (byte) 0x86,
            0x48,
            (byte) 0x86,
            (byte) 0xf7,
            0x0d,
            0x01,
            0x01,
            0x01,
            0x05,
            0x00
        };
        byte[] key = der(0x04, pkcs1);
        byte[] content = new byte[version.length + algorithm.length + key.length];
        System.arraycopy(version, 0, content, 0, version.length);
        System.arraycopy(algorithm, 0, content, version.length, algorithm.length);
        System.arraycopy(key, 0, content, version.length + algorithm.length, key.length);
        return der(0x30, content);
    }

    /** One DER element: its tag, its length (short or long form), its content. */
    private static byte[] der(int tag, byte[] content) {
        int n = content.length;
        byte[] length = n < 0x80
                ? new byte[] {(byte) n}
                : n < 0x100
                        ? new byte[] {(byte) 0x81, (byte) n}
                        : n < 0x10000
                                ? new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n}
                                : new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        byte[] out = new byte[1 + length.length + n];
        out[0] = (byte) tag;
        System.arraycopy(length, 0, out, 1, length.length);
        System.arraycopy(content, 0, out, 1 + length.length, n);
        return out;
    }

    private static String encode(byte[] bytes, String encoding) {
        return switch (encoding) {
            case "hex" -> HexFormat.of().formatHex(bytes);
            case "base64" -> Base64.getEncoder().encodeToString(bytes);
            default -> throw new IllegalArgumentException("encoding: expected hex or base64; got \"" + encoding + "\"");
        };
    }

    private static String generate(String type, int length) {
        if (type.equals("uuid")) return UUID.randomUUID().toString();
        if (length < 1 || length > 4096)
            throw new IllegalArgumentException("stringLength: expected 1 to 4096; got " + length);
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        String text = switch (type) {
            case "hex" -> HexFormat.of().formatHex(bytes);
            case "base64" -> Base64.getEncoder().encodeToString(bytes);
            case "ascii" -> {
                StringBuilder s = new StringBuilder(length);
                for (int i = 0; i < length; i++) s.append(ALPHANUMERIC.charAt(RANDOM.nextInt(ALPHANUMERIC.length())));
                yield s.toString();
            }
            default ->
                throw new IllegalArgumentException(
                        "encodingType: expected uuid, hex, base64 or ascii; got \"" + type + "\"");
        };
        return text.substring(0, length);
    }
}
