package io.s3broker.s3;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * SigV4 signing in S3's dialect (unsigned payload, no double encoding, no path normalisation): presigned URLs, POST
 * policies, and the headers of the bodiless requests the broker sends itself. The signing key is derived once per credentials,
 * day and region, the session token encoded once per credentials. {@code SigV4SignerTest} checks it against the
 * SDK's signer. Why by hand: docs/decisions/0001-own-sigv4-signer.md
 */
@Singleton
final class SigV4Signer {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final String SERVICE = "s3";
    private static final String TERMINATOR = "aws4_request";
    private static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    private static final String HEADER_SIGNED_HEADERS = "host;x-amz-content-sha256;x-amz-date;x-amz-security-token";
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();
    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });

    /**
     * Where a request goes.
     *
     * @param url the object's URL, without query
     * @param path its path, percent-encoded, as SigV4's canonical URI
     * @param host the Host header: host, and port unless it is the scheme's default
     */
    record Target(String url, String path, String host) {
    }

    /** What one set of credentials signs with in one region on one day; replaced when any of them changes. */
    private record SigningKey(AwsSessionCredentialsIdentity credentials, String day, byte[] key, String encodedCredential,
            String encodedToken) {
    }

    /**
     * By access key id and region, so that the credentials of many scopes each keep theirs; bounded, since every
     * refresh of every scope brings a new access key id.
     */
    static final int MAX_KEYS = 4_096;
    private final Cache<String, SigningKey> keys = Caffeine.newBuilder().maximumSize(MAX_KEYS).build();
    /** Signing keys derived so far, so that a test can tell a cache hit from a derivation (SigningKeyCacheTest). */
    private final LongAdder derivations = new LongAdder();

    /**
     * The presigned URL of {@code method} on {@code target}, valid for {@code lifetime} from {@code now}.
     *
     * @param headers lower-case names of headers the client must send with these values (signed with host)
     */
    String presign(String method, Target target, Map<String, String> headers, String region,
            AwsSessionCredentialsIdentity credentials, Duration lifetime, Instant now) {
        return presign(method, target, headers, Map.of(), region, credentials, lifetime, now);
    }

    /**
     * The same with parameters of the operation in the query ({@code partNumber} and {@code uploadId} of an
     * UploadPart), signed with the rest.
     *
     * @param operationQuery raw names and values; each name must sort after {@code X-Amz-SignedHeaders} (start with
     *        a lower-case letter), so that the query string stays in SigV4's canonical order
     */
    String presign(String method, Target target, Map<String, String> headers, Map<String, String> operationQuery,
            String region, AwsSessionCredentialsIdentity credentials, Duration lifetime, Instant now) {
        Scope scope = scope(now, region);
        SigningKey key = signingKey(credentials, scope.day(), region);

        String signedHeaders;
        StringBuilder canonicalHeaders = new StringBuilder(96);
        if (headers.isEmpty()) {
            signedHeaders = "host";
            canonicalHeaders.append("host:").append(target.host()).append('\n');
        } else {
            TreeMap<String, String> sorted = new TreeMap<>(headers);
            sorted.put("host", target.host());
            signedHeaders = String.join(";", sorted.keySet());
            sorted.forEach((name, value) -> canonicalHeaders.append(name).append(':')
                    .append(value.strip().replaceAll(" +", " ")).append('\n'));
        }

        // Parameters in the order SigV4 sorts them (by name), so the canonical query string is the URL's own.
        StringBuilder query = new StringBuilder(256 + key.encodedToken().length())
                .append("X-Amz-Algorithm=").append(ALGORITHM)
                .append("&X-Amz-Credential=").append(key.encodedCredential()).append(scope.day()).append("%2F")
                .append(region).append("%2F" + SERVICE + "%2F" + TERMINATOR)
                .append("&X-Amz-Date=").append(scope.amzDate())
                .append("&X-Amz-Expires=").append(lifetime.toSeconds())
                .append("&X-Amz-Security-Token=").append(key.encodedToken())
                .append("&X-Amz-SignedHeaders=");
        encode(signedHeaders, false, query);
        if (!operationQuery.isEmpty()) {
            new TreeMap<>(operationQuery).forEach((name, value) -> {
                if (name.isEmpty() || name.charAt(0) < 'a' || name.charAt(0) > 'z') {
                    throw new IllegalArgumentException("Query parameter names must start with a-z: " + name);
                }
                query.append('&');
                encode(name, false, query);
                query.append('=');
                encode(value, false, query);
            });
        }

        String signature = signature(key, scope, method + '\n' + target.path() + '\n' + query + '\n'
                + canonicalHeaders + '\n' + signedHeaders + '\n' + UNSIGNED_PAYLOAD);
        return target.url() + '?' + query + "&X-Amz-Signature=" + signature;
    }

    /**
     * The headers that sign a request without a body (HeadObject, for instance) to {@code target}, as the SDK's S3
     * client sends them: X-Amz-Date, X-Amz-Content-SHA256, X-Amz-Security-Token and Authorization.
     */
    Map<String, String> authorize(String method, Target target, String region,
            AwsSessionCredentialsIdentity credentials, Instant now) {
        Scope scope = scope(now, region);
        SigningKey key = signingKey(credentials, scope.day(), region);
        String canonicalRequest = method + '\n' + target.path() + "\n\n"
                + "host:" + target.host() + '\n'
                + "x-amz-content-sha256:" + UNSIGNED_PAYLOAD + '\n'
                + "x-amz-date:" + scope.amzDate() + '\n'
                + "x-amz-security-token:" + credentials.sessionToken() + "\n\n"
                + HEADER_SIGNED_HEADERS + '\n' + UNSIGNED_PAYLOAD;
        String authorization = ALGORITHM + " Credential=" + credentials.accessKeyId() + '/' + scope.credentialScope()
                + ", SignedHeaders=" + HEADER_SIGNED_HEADERS + ", Signature=" + signature(key, scope, canonicalRequest);
        return Map.of("X-Amz-Date", scope.amzDate(),
                "x-amz-content-sha256", UNSIGNED_PAYLOAD,
                "X-Amz-Security-Token", credentials.sessionToken(),
                "Authorization", authorization);
    }

    /**
     * The fields of an S3 POST upload (a SigV4-signed POST policy): {@code fields}, then the algorithm, credential,
     * date and session token, the policy (base64 of its JSON: {@code conditions}, each of those fields, and the
     * expiration) and its signature. The client sends them all, then the file, in one multipart/form-data POST.
     *
     * @param fields form fields the client sends as given (key, Content-Type, acl), each an exact-match condition
     * @param conditions further conditions, such as {@code ["content-length-range", 0, max]}
     */
    Map<String, String> postForm(Map<String, String> fields, List<Object> conditions, String region,
            AwsSessionCredentialsIdentity credentials, Instant expiration, Instant now) {
        Scope scope = scope(now, region);
        SigningKey key = signingKey(credentials, scope.day(), region);
        Map<String, String> form = new LinkedHashMap<>(fields);
        form.put("x-amz-algorithm", ALGORITHM);
        form.put("x-amz-credential", credentials.accessKeyId() + '/' + scope.credentialScope());
        form.put("x-amz-date", scope.amzDate());
        form.put("x-amz-security-token", credentials.sessionToken());
        List<Object> all = new ArrayList<>(conditions);
        form.forEach((name, value) -> all.add(Map.of(name, value)));
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("expiration", DateTimeFormatter.ISO_INSTANT.format(expiration.truncatedTo(ChronoUnit.SECONDS)));
        policy.put("conditions", all);
        String encoded;
        try {
            encoded = Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(policy));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        form.put("policy", encoded);
        form.put("x-amz-signature", hex(hmac(key.key(), encoded)));
        return form;
    }

    /** The time and credential scope of a signature. */
    private record Scope(String day, String amzDate, String credentialScope) {
    }

    private static Scope scope(Instant now, String region) {
        LocalDateTime time = LocalDateTime.ofEpochSecond(now.getEpochSecond(), 0, ZoneOffset.UTC);
        String day = Integer.toString(time.getYear()) + twoDigits(time.getMonthValue()) + twoDigits(time.getDayOfMonth());
        String amzDate = day + 'T' + twoDigits(time.getHour()) + twoDigits(time.getMinute())
                + twoDigits(time.getSecond()) + 'Z';
        return new Scope(day, amzDate, day + '/' + region + '/' + SERVICE + '/' + TERMINATOR);
    }

    private static String signature(SigningKey key, Scope scope, String canonicalRequest) {
        String stringToSign = ALGORITHM + '\n' + scope.amzDate() + '\n' + scope.credentialScope() + '\n'
                + hex(SHA256.get().digest(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        return hex(hmac(key.key(), stringToSign));
    }

    private SigningKey signingKey(AwsSessionCredentialsIdentity credentials, String day, String region) {
        String cacheKey = credentials.accessKeyId() + '/' + region;
        SigningKey cached = keys.getIfPresent(cacheKey);
        if (cached != null && cached.credentials() == credentials && cached.day().equals(day)) {
            return cached;
        }
        derivations.increment();
        byte[] key = hmac(("AWS4" + credentials.secretAccessKey()).getBytes(StandardCharsets.UTF_8), day);
        key = hmac(key, region);
        key = hmac(key, SERVICE);
        key = hmac(key, TERMINATOR);
        StringBuilder credential = new StringBuilder();
        encode(credentials.accessKeyId(), false, credential);
        credential.append("%2F");
        StringBuilder token = new StringBuilder(credentials.sessionToken().length() * 5 / 4);
        encode(credentials.sessionToken(), false, token);
        SigningKey fresh = new SigningKey(credentials, day, key, credential.toString(), token.toString());
        keys.put(cacheKey, fresh);
        return fresh;
    }

    long derivations() {
        return derivations.sum();
    }

    /** Signing keys held now, once the cache has done its pending evictions. */
    long cachedKeys() {
        keys.cleanUp();
        return keys.estimatedSize();
    }

    /**
     * RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, everything else is %XX of its
     * UTF-8 bytes, upper-case; with {@code keepSlashes} (object key paths) "/" stays too.
     */
    static void encode(String value, boolean keepSlashes, StringBuilder out) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (unreserved(c) || (keepSlashes && c == '/')) {
                out.append(c);
            } else if (c < 0x80) {
                percent(c, out);
            } else {
                // Rare (non-ASCII keys): let the JDK turn the rest, surrogate pairs included, into UTF-8.
                for (byte b : value.substring(i).getBytes(StandardCharsets.UTF_8)) {
                    char d = (char) (b & 0xff);
                    if (unreserved(d) || (keepSlashes && d == '/')) {
                        out.append(d);
                    } else {
                        percent(d, out);
                    }
                }
                return;
            }
        }
    }

    private static boolean unreserved(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '_' || c == '.' || c == '~';
    }

    private static void percent(char b, StringBuilder out) {
        out.append('%').append(HEX_UPPER[b >> 4]).append(HEX_UPPER[b & 0xf]);
    }

    private static byte[] hmac(byte[] key, String data) {
        Mac mac = HMAC.get();
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(out);
    }

    private static String twoDigits(int value) {
        return value < 10 ? "0" + value : Integer.toString(value);
    }
}
