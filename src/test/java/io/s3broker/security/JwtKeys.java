package io.s3broker.security;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;

import io.smallrye.jwt.build.Jwt;

/**
 * The RSA key pair the JWT tests sign with, generated once per build into target/: a test profile (which configures
 * the broker with the public key) and the test (which signs) may run in different class loaders, so the pair is
 * shared through files, not a static field.
 */
final class JwtKeys {

    static final String ISSUER = "https://issuer.s3broker.test";
    static final String KEY_ID = "broker-test-key";
    /** The audience tokens are made for; JwtAuthenticationTest's profile requires it (mp.jwt.verify.audiences). */
    static final String AUDIENCE = "s3-sts-broker";
    private static final Path DIR = Path.of("target", "jwt-test-keys");

    private JwtKeys() {
    }

    static synchronized KeyPair pair() {
        try {
            Path privateFile = DIR.resolve("private.der");
            Path publicFile = DIR.resolve("public.der");
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            if (!Files.exists(privateFile) || !Files.exists(publicFile)) {
                KeyPair pair = generate();
                Files.createDirectories(DIR);
                Files.write(publicFile, pair.getPublic().getEncoded());
                Files.write(privateFile, pair.getPrivate().getEncoded());
            }
            return new KeyPair(rsa.generatePublic(new X509EncodedKeySpec(Files.readAllBytes(publicFile))),
                    rsa.generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(privateFile))));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public key as mp.jwt.verify.publickey takes it (base64 of the X.509 encoding, as in a PEM body). */
    static String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(pair().getPublic().getEncoded());
    }

    /** A JWKS document with the public key. */
    static String jwks() {
        RSAPublicKey key = (RSAPublicKey) pair().getPublic();
        return "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + KEY_ID + "\",\"n\":\""
                + base64Url(key.getModulus()) + "\",\"e\":\"" + base64Url(key.getPublicExponent()) + "\"}]}";
    }

    private static String base64Url(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * A token of {@code subject} from {@code issuer} for {@link #AUDIENCE}, signed with {@code pair}, valid from now
     * for {@code seconds}.
     */
    static String token(String subject, String issuer, KeyPair pair, long seconds) {
        return token(subject, issuer, pair, seconds, AUDIENCE);
    }

    /** The same for {@code audience} (none when null). */
    static String token(String subject, String issuer, KeyPair pair, long seconds, String audience) {
        Instant now = Instant.now();
        var claims = Jwt.issuer(issuer).subject(subject).issuedAt(now.minusSeconds(Math.max(0, -seconds) + 60))
                .expiresAt(now.plusSeconds(seconds));
        if (audience != null) {
            claims.audience(audience);
        }
        return claims.jws().keyId(KEY_ID).sign(pair.getPrivate());
    }

    static String validToken(String subject) {
        return token(subject, ISSUER, pair(), 300);
    }
}
