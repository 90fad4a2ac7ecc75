package io.nlink.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies JSON Web Tokens (RFC 7519, compact JWS) against a {@code jwtAuth} credential, as n8n's
 * Webhook {@code authentication: "jwtAuth"} does: the token must be signed with exactly the
 * credential's {@code algorithm}, by its {@code secret} (HS256/384/512, {@code keyType:
 * "passphrase"}) or the private half of its {@code publicKey} (RS, PS, ES; {@code keyType:
 * "pemKey"}), and be neither expired ({@code exp}) nor early ({@code nbf}).
 *
 * <p>The algorithm is the credential's, never the token's: a token saying {@code none}, or HS256
 * where the credential holds a public key (the "algorithm confusion" that makes a public key an
 * HMAC secret anyone knows), is refused before any key is used. Messages are jsonwebtoken's, which
 * n8n answers with.
 */
public final class JwtVerifier {
    /** What a credential may name; {@code none} is not among them. */
    public static final List<String> ALGORITHMS = List.of(
            "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");
    /** Longer tokens are refused unread: a header can be only so long, and a signature check costs. */
    static final int MAX_TOKEN = 16 * 1024;

    private static final int MIN_RSA_BITS = 2048;
    private static final Pattern PEM =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

    /** The token was refused; the message says why in jsonwebtoken's words. */
    public static final class Rejected extends Exception {
        Rejected(String message) {
            super(message);
        }
    }

    private final String algorithm;
    private final byte[] secret;
    private final PublicKey key;

    private JwtVerifier(String algorithm, byte[] secret, PublicKey key) {
        this.algorithm = algorithm;
        this.secret = secret;
        this.key = key;
    }

    /**
     * The verifier of a {@code jwtAuth} credential's data ({@link CredentialTypes#normalised}).
     *
     * @throws IllegalArgumentException naming the field ({@code data.<field>: …}) that cannot be used
     */
    public static JwtVerifier of(JsonNode data) {
        String keyType = data.path("keyType").asText("passphrase");
        String algorithm = data.path("algorithm").asText("HS256");
        if (!ALGORITHMS.contains(algorithm)) {
            throw new IllegalArgumentException("data.algorithm: \"" + algorithm
                    + "\" is not one nLink verifies; use one of " + String.join(", ", ALGORITHMS)
                    + (algorithm.equalsIgnoreCase("none") ? " (an unsigned token proves nothing)" : ""));
        }
        boolean hmac = algorithm.startsWith("HS");
        switch (keyType) {
            case "passphrase" -> {
                if (!hmac)
                    throw new IllegalArgumentException("data.algorithm: " + algorithm
                            + " needs a public key (keyType \"pemKey\"); a passphrase signs HS256, HS384 or HS512");
                String secret = data.path("secret").asText("");
                if (secret.isEmpty())
                    throw new IllegalArgumentException("data.secret: give the passphrase the tokens are signed with");
                return new JwtVerifier(algorithm, secret.getBytes(StandardCharsets.UTF_8), null);
            }
            case "pemKey" -> {
                if (hmac)
                    throw new IllegalArgumentException("data.algorithm: " + algorithm
                            + " needs a passphrase (keyType \"passphrase\"); a public key verifies RS, PS or ES");
                return new JwtVerifier(
                        algorithm, null, publicKey(data.path("publicKey").asText(""), algorithm));
            }
            default ->
                throw new IllegalArgumentException(
                        "data.keyType: \"passphrase\" (a shared secret, HS*) or \"pemKey\" (a PEM public key, RS/PS/ES*)");
        }
    }

    /** The token's claims, if it is signed as the credential says and valid {@code now}. */
    public ObjectNode verify(String token, Instant now) throws Rejected {
        if (token.length() > MAX_TOKEN) throw new Rejected("jwt malformed");
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) throw new Rejected("jwt malformed");
        JsonNode header = object(parts[0]);
        if (header == null || !header.path("alg").isTextual()) throw new Rejected("invalid token");
        // The credential decides the algorithm; the token only says which it claims.
        if (!header.path("alg").asText().equals(algorithm)) throw new Rejected("invalid algorithm");
        if (header.has("crit"))
            throw new Rejected("invalid token"); // extensions nLink does not understand must not be ignored
        byte[] signature = decode(parts[2]);
        if (signature == null || !signed((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), signature)) {
            throw new Rejected("invalid signature");
        }
        JsonNode payload = object(parts[1]);
        if (!(payload instanceof ObjectNode claims)) throw new Rejected("invalid token");
        long seconds = now.getEpochSecond();
        JsonNode exp = claims.get("exp");
        if (exp != null && !exp.isNumber()) throw new Rejected("invalid exp value");
        if (exp != null && seconds >= exp.asDouble()) throw new Rejected("jwt expired");
        JsonNode nbf = claims.get("nbf");
        if (nbf != null && !nbf.isNumber()) throw new Rejected("invalid nbf value");
        if (nbf != null && seconds < nbf.asDouble()) throw new Rejected("jwt not active");
        return claims;
    }

    private boolean signed(byte[] content, byte[] signature) {
        String bits = algorithm.substring(2);
        try {
            if (secret != null) {
                Mac mac = Mac.getInstance("HmacSHA" + bits);
                mac.init(new SecretKeySpec(secret, "HmacSHA" + bits));
                return MessageDigest.isEqual(mac.doFinal(content), signature);
            }
            Signature verifier;
            switch (algorithm.substring(0, 2)) {
                case "RS" -> verifier = Signature.getInstance("SHA" + bits + "withRSA");
                case "PS" -> {
                    verifier = Signature.getInstance("RSASSA-PSS");
                    String digest = "SHA-" + bits;
                    verifier.setParameter(new PSSParameterSpec(
                            digest, "MGF1", new MGF1ParameterSpec(digest), Integer.parseInt(bits) / 8, 1));
                }
                default -> {
                    // JWS carries r and s side by side (IEEE P1363), each as long as the curve's order.
                    int half = (((ECPublicKey) key)
                                            .getParams()
                                            .getCurve()
                                            .getField()
                                            .getFieldSize()
                                    + 7)
                            / 8;
                    if (signature.length != 2 * half) return false;
                    verifier = Signature.getInstance("SHA" + bits + "withECDSAinP1363Format");
                }
            }
            verifier.initVerify(key);
            verifier.update(content);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static JsonNode object(String part) {
        byte[] bytes = decode(part);
        if (bytes == null) return null;
        try {
            JsonNode node = Json.parse(bytes);
            return node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** base64url without padding, as JWS writes it; anything else is not this token's. */
    private static byte[] decode(String part) {
        if (part.isEmpty() || part.indexOf('=') >= 0) return null;
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A PEM public key ({@code PUBLIC KEY}) or certificate, of the family {@code algorithm} needs and strong enough for it. */
    static PublicKey publicKey(String pem, String algorithm) {
        Matcher m = PEM.matcher(pem.strip());
        if (pem.isBlank() || !m.find()) {
            throw new IllegalArgumentException(
                    "data.publicKey: expected a PEM public key (-----BEGIN PUBLIC KEY-----) or certificate");
        }
        byte[] der;
        try {
            der = Base64.getDecoder().decode(m.group(2).replaceAll("\\s+", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("data.publicKey: the PEM's content is not base64");
        }
        boolean rsa = !algorithm.startsWith("ES");
        PublicKey key;
        try {
            key = switch (m.group(1)) {
                case "PUBLIC KEY" ->
                    KeyFactory.getInstance(rsa ? "RSA" : "EC").generatePublic(new X509EncodedKeySpec(der));
                case "CERTIFICATE" ->
                    CertificateFactory.getInstance("X.509")
                            .generateCertificate(new ByteArrayInputStream(der))
                            .getPublicKey();
                default ->
                    throw new IllegalArgumentException(
                            "data.publicKey: a PEM \"" + m.group(1) + "\" is not a public key; give the"
                                    + " -----BEGIN PUBLIC KEY----- (SubjectPublicKeyInfo) form or a certificate"
                                    + (m.group(1).contains("PRIVATE") ? " (never the private key)" : ""));
            };
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "data.publicKey: not " + (rsa ? "an RSA" : "an EC") + " public key, as " + algorithm + " needs");
        }
        if (rsa) {
            if (!(key instanceof RSAPublicKey r))
                throw new IllegalArgumentException("data.publicKey: " + algorithm + " needs an RSA key");
            if (r.getModulus().bitLength() < MIN_RSA_BITS) {
                throw new IllegalArgumentException("data.publicKey: an RSA key of "
                        + r.getModulus().bitLength() + " bits; at least " + MIN_RSA_BITS);
            }
        } else {
            int bits = key instanceof ECPublicKey ec
                    ? ec.getParams().getCurve().getField().getFieldSize()
                    : -1;
            int wanted = switch (algorithm) {
                case "ES256" -> 256;
                case "ES384" -> 384;
                default -> 521;
            };
            if (bits != wanted)
                throw new IllegalArgumentException("data.publicKey: " + algorithm + " needs an EC key on the " + wanted
                        + "-bit curve (P-" + wanted + ")");
        }
        return key;
    }
}
