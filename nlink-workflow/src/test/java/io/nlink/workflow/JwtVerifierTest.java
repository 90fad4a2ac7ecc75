package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * JWT verification against tokens signed here with the JDK's own algorithms: each supported
 * algorithm accepts its own tokens and nothing else; {@code none}, algorithm confusion, tampering,
 * expiry and malformed tokens are refused with jsonwebtoken's messages.
 */
class JwtVerifierTest {
    static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    static final String CLAIMS = "{\"sub\": \"sender-7\", \"exp\": " + (NOW.getEpochSecond() + 60) + "}";

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String b64(String text) {
        return b64(text.getBytes(StandardCharsets.UTF_8));
    }

    static String hs(String alg, String secret, String claims) throws Exception {
        String content = b64("{\"alg\": \"" + alg + "\", \"typ\": \"JWT\"}") + "." + b64(claims);
        String mac = "HmacSHA" + alg.substring(2);
        Mac m = Mac.getInstance(mac);
        m.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), mac));
        return content + "." + b64(m.doFinal(content.getBytes(StandardCharsets.US_ASCII)));
    }

    static String signed(String alg, PrivateKey key, String claims) throws Exception {
        String content = b64("{\"alg\": \"" + alg + "\"}") + "." + b64(claims);
        String bits = alg.substring(2);
        Signature s = switch (alg.substring(0, 2)) {
            case "RS" -> Signature.getInstance("SHA" + bits + "withRSA");
            case "PS" -> {
                Signature pss = Signature.getInstance("RSASSA-PSS");
                pss.setParameter(new PSSParameterSpec(
                        "SHA-" + bits, "MGF1", new MGF1ParameterSpec("SHA-" + bits), Integer.parseInt(bits) / 8, 1));
                yield pss;
            }
            default -> Signature.getInstance("SHA" + bits + "withECDSAinP1363Format");
        };
        s.initSign(key);
        s.update(content.getBytes(StandardCharsets.US_ASCII));
        return content + "." + b64(s.sign());
    }

    static String pem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    static KeyPair rsa(int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(bits);
        return g.generateKeyPair();
    }

    static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    static JwtVerifier verifier(String json) throws Exception {
        ObjectNode data = (ObjectNode) Json.parse(json);
        assertThat(CredentialTypes.problems("jwtAuth", data)).isEmpty();
        return JwtVerifier.of(CredentialTypes.normalised("jwtAuth", data));
    }

    static JwtVerifier pemVerifier(String alg, PublicKey key) throws Exception {
        ObjectNode data = Json.MAPPER
                .createObjectNode()
                .put("keyType", "pemKey")
                .put("algorithm", alg)
                .put("publicKey", pem(key));
        assertThat(CredentialTypes.problems("jwtAuth", data)).isEmpty();
        return JwtVerifier.of(CredentialTypes.normalised("jwtAuth", data));
    }

    static String rejection(JwtVerifier verifier, String token) {
        try {
            verifier.verify(token, NOW);
            return "accepted";
        } catch (JwtVerifier.Rejected e) {
            return e.getMessage();
        }
    }

    @Test
    void eachAlgorithmAcceptsItsOwnTokensOnly() throws Exception {
        for (String alg : new String[] {"HS256", "HS384", "HS512"}) {
            JwtVerifier v = verifier("{\"secret\": \"shared passphrase\", \"algorithm\": \"" + alg + "\"}");
            assertThat(v.verify(hs(alg, "shared passphrase", CLAIMS), NOW)
                            .path("sub")
                            .asText())
                    .isEqualTo("sender-7");
            assertThat(rejection(v, hs(alg, "another passphrase", CLAIMS))).isEqualTo("invalid signature");
        }
        KeyPair rsa = rsa(2048);
        KeyPair otherRsa = rsa(2048);
        for (String alg : new String[] {"RS256", "RS512", "PS256", "PS384"}) {
            JwtVerifier v = pemVerifier(alg, rsa.getPublic());
            assertThat(v.verify(signed(alg, rsa.getPrivate(), CLAIMS), NOW)
                            .path("sub")
                            .asText())
                    .as(alg)
                    .isEqualTo("sender-7");
            assertThat(rejection(v, signed(alg, otherRsa.getPrivate(), CLAIMS)))
                    .as(alg)
                    .isEqualTo("invalid signature");
        }
        for (String[] c : new String[][] {{"ES256", "secp256r1"}, {"ES384", "secp384r1"}, {"ES512", "secp521r1"}}) {
            KeyPair ec = ec(c[1]);
            JwtVerifier v = pemVerifier(c[0], ec.getPublic());
            assertThat(v.verify(signed(c[0], ec.getPrivate(), CLAIMS), NOW)
                            .path("sub")
                            .asText())
                    .as(c[0])
                    .isEqualTo("sender-7");
            assertThat(rejection(v, signed(c[0], ec(c[1]).getPrivate(), CLAIMS)))
                    .as(c[0])
                    .isEqualTo("invalid signature");
        }
        // The default is HS256 with a passphrase, as in n8n.
        assertThat(verifier("{\"secret\": \"p\"}")
                        .verify(hs("HS256", "p", CLAIMS), NOW)
                        .path("sub")
                        .asText())
                .isEqualTo("sender-7");
    }

    @Test
    void theTokenNeverChoosesTheAlgorithm() throws Exception {
        JwtVerifier hs = verifier("{\"secret\": \"shared passphrase\"}");
        // alg none, with or without a signature.
        String none = b64("{\"alg\": \"none\"}") + "." + b64(CLAIMS) + ".";
        assertThat(rejection(hs, none)).isEqualTo("invalid algorithm");
        assertThat(rejection(hs, b64("{\"alg\": \"none\"}") + "." + b64(CLAIMS) + "." + b64("x")))
                .isEqualTo("invalid algorithm");
        // Another HMAC strength than the credential's.
        assertThat(rejection(hs, hs("HS512", "shared passphrase", CLAIMS))).isEqualTo("invalid algorithm");

        // Algorithm confusion: an HS256 token whose "secret" is the RSA public key everybody may know.
        KeyPair rsa = rsa(2048);
        JwtVerifier rs = pemVerifier("RS256", rsa.getPublic());
        assertThat(rejection(rs, hs("HS256", pem(rsa.getPublic()), CLAIMS))).isEqualTo("invalid algorithm");
        assertThat(rejection(rs, signed("PS256", rsa.getPrivate(), CLAIMS))).isEqualTo("invalid algorithm");

        // Nor can a credential be made that would allow it.
        assertThat(CredentialTypes.problems("jwtAuth", Json.parse("{\"secret\": \"p\", \"algorithm\": \"none\"}")))
                .singleElement()
                .asString()
                .contains("\"none\" is not one nLink verifies")
                .contains("an unsigned token proves nothing");
        assertThat(CredentialTypes.problems("jwtAuth", Json.parse("{\"secret\": \"p\", \"algorithm\": \"RS256\"}")))
                .containsExactly(
                        "data.algorithm: RS256 needs a public key (keyType \"pemKey\"); a passphrase signs HS256, HS384 or HS512");
        ObjectNode hsWithKey = Json.MAPPER
                .createObjectNode()
                .put("keyType", "pemKey")
                .put("algorithm", "HS256")
                .put("publicKey", pem(rsa.getPublic()));
        assertThat(CredentialTypes.problems("jwtAuth", hsWithKey))
                .containsExactly(
                        "data.algorithm: HS256 needs a passphrase (keyType \"passphrase\"); a public key verifies RS, PS or ES");
    }

    @Test
    void timesAndShapesAreChecked() throws Exception {
        JwtVerifier v = verifier("{\"secret\": \"p\"}");
        long now = NOW.getEpochSecond();
        assertThat(rejection(v, hs("HS256", "p", "{\"exp\": " + now + "}"))).isEqualTo("jwt expired");
        assertThat(rejection(v, hs("HS256", "p", "{\"exp\": " + (now + 1) + "}")))
                .isEqualTo("accepted");
        assertThat(rejection(v, hs("HS256", "p", "{\"nbf\": " + (now + 5) + "}")))
                .isEqualTo("jwt not active");
        assertThat(rejection(v, hs("HS256", "p", "{\"exp\": \"tomorrow\"}"))).isEqualTo("invalid exp value");
        assertThat(rejection(v, hs("HS256", "p", "[1, 2]"))).isEqualTo("invalid token");

        String good = hs("HS256", "p", CLAIMS);
        String[] parts = good.split("\\.");
        // The claims changed after signing: the signature no longer fits.
        assertThat(rejection(v, parts[0] + "." + b64(CLAIMS.replace("sender-7", "admin")) + "." + parts[2]))
                .isEqualTo("invalid signature");
        assertThat(rejection(v, parts[0] + "." + parts[1])).isEqualTo("jwt malformed");
        assertThat(rejection(v, good + ".")).isEqualTo("jwt malformed");
        assertThat(rejection(v, parts[0] + "." + parts[1] + "." + parts[2] + "=="))
                .isEqualTo("invalid signature");
        assertThat(rejection(v, "not a token at all")).isEqualTo("jwt malformed");
        assertThat(rejection(v, "x".repeat(JwtVerifier.MAX_TOKEN + 1))).isEqualTo("jwt malformed");
        assertThat(rejection(v, b64("{\"typ\": \"JWT\"}") + "." + parts[1] + "." + parts[2]))
                .isEqualTo("invalid token");
        // A critical extension nLink does not know must not be ignored.
        String crit = b64("{\"alg\": \"HS256\", \"crit\": [\"exp\"]}") + "." + parts[1];
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(new SecretKeySpec("p".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        assertThat(rejection(v, crit + "." + b64(m.doFinal(crit.getBytes(StandardCharsets.US_ASCII)))))
                .isEqualTo("invalid token");
    }

    @Test
    void publicKeysAreCheckedWhenStored() throws Exception {
        KeyPair rsa = rsa(2048);
        ObjectNode data =
                Json.MAPPER.createObjectNode().put("keyType", "pemKey").put("algorithm", "RS256");
        assertThat(CredentialTypes.problems("jwtAuth", data.deepCopy().put("publicKey", "")))
                .containsExactly(
                        "data.publicKey: expected a PEM public key (-----BEGIN PUBLIC KEY-----) or certificate");
        String privatePem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(rsa.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----";
        assertThat(CredentialTypes.problems("jwtAuth", data.deepCopy().put("publicKey", privatePem)))
                .singleElement()
                .asString()
                .contains("is not a public key")
                .contains("never the private key");
        assertThat(CredentialTypes.problems(
                        "jwtAuth",
                        data.deepCopy().put("publicKey", pem(rsa(1024).getPublic()))))
                .containsExactly("data.publicKey: an RSA key of 1024 bits; at least 2048");
        assertThat(CredentialTypes.problems(
                        "jwtAuth",
                        data.deepCopy().put("publicKey", pem(ec("secp256r1").getPublic()))))
                .containsExactly("data.publicKey: not an RSA public key, as RS256 needs");
        assertThat(CredentialTypes.problems(
                        "jwtAuth",
                        data.deepCopy()
                                .put("algorithm", "ES256")
                                .put("publicKey", pem(ec("secp384r1").getPublic()))))
                .containsExactly("data.publicKey: ES256 needs an EC key on the 256-bit curve (P-256)");
        // A key pasted on one line (as forms often flatten it) is still read.
        assertThat(CredentialTypes.problems(
                        "jwtAuth",
                        data.deepCopy().put("publicKey", pem(rsa.getPublic()).replace('\n', ' '))))
                .isEmpty();
        assertThat(CredentialTypes.problems("jwtAuth", data.deepCopy().put("keyType", "file")))
                .containsExactly(
                        "data.keyType: \"passphrase\" (a shared secret, HS*) or \"pemKey\" (a PEM public key, RS/PS/ES*)");
    }
}
