package io.s3broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.inject.Inject;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.s3broker.access.Audit;
import io.s3broker.config.BrokerConfig;
import io.s3broker.credentials.Access;
import io.s3broker.credentials.Grant;
import io.s3broker.credentials.Scope;
import io.s3broker.credentials.ScopedCredentials;
import io.s3broker.testing.BrokerSecrets;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;

/**
 * One audit line per grant (denials are AuthorizationTest's): a presigned GET, an upload URL, a PUT upload,
 * a form POST upload and vended credentials each log exactly one record in the category s3broker.audit, naming the
 * caller, action, bucket, target, outcome=granted, expiresAt (of the URL or the vended credentials, "-" for uploads
 * as the README says) and the access key id of the credentials used; the same fields are in the record's MDC, which
 * is what JSON logs print as fields; and neither the line nor the MDC holds a secret key, session token or signature.
 * The records are taken in-process by a handler on the category, as JBoss LogManager hands them to its handlers.
 */
@QuarkusTest
@TestProfile(SecurityProfile.class)
@WithTestResource(LocalS3StsResource.class)
class AuditOfGrantsTest {

    static final String BOUNDARY = "audit-grants-boundary";
    static final List<String> FIELDS = List.of("caller", "action", "bucket", "target", "outcome", "expiresAt",
            "accessKeyId");

    /** A record of the audit category as its handlers see it: the formatted line and the whole MDC. */
    record Captured(String category, String line, Map<String, String> mdc) {
    }

    /** What a grant's audit record must say. */
    record Expected(String label, String action, String bucket, String target, String expiresAt, String accessKeyId) {
    }

    static final class Capture extends Handler {
        final List<Captured> records = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            ExtLogRecord ext = (ExtLogRecord) record;
            Map<String, String> mdc = new HashMap<>();
            ext.getMdcCopy().forEach((key, value) -> mdc.put(key, String.valueOf(value)));
            records.add(new Captured(ext.getLoggerName(), ext.getFormattedMessage(), mdc));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Inject
    ScopedCredentials scopes;

    @Inject
    BrokerConfig config;

    final Capture capture = new Capture();

    @BeforeEach
    void listen() {
        Logger.getLogger(Audit.CATEGORY).addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        Logger.getLogger(Audit.CATEGORY).removeHandler(capture);
    }

    static RawHttp.Answer as(String callerKey, String head, byte[] body) {
        String[] lines = head.split("\r\n", 2);
        return RawHttp.send(lines[0] + "\r\nAuthorization: Bearer " + callerKey + "\r\n" + (lines.length > 1 ? lines[1] : ""),
                body);
    }

    /** The query parameter {@code name} of a presigned URL, decoded. */
    static String param(String url, String name) {
        for (String pair : url.substring(url.indexOf('?') + 1).split("&")) {
            if (pair.startsWith(name + "=")) {
                return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError(name + " not in " + url);
    }

    String currentKeyId(Access access, String bucket, String prefix) {
        return scopes.forScope(Scope.of(new Grant(access, bucket, prefix), config.roleSessionDuration())).cache().peek()
                .orElseThrow().credentials().accessKeyId();
    }

    @Test
    void everyGrantIsOneAuditLineWithItsFieldsInTheMdcAndNoSecret() {
        String b = LocalS3Sts.bucket();
        String run = UUID.randomUUID().toString();
        List<Expected> expected = new ArrayList<>();
        List<String> secrets = new ArrayList<>();

        // A presigned GET: its expiry, and the key id that signed it (X-Amz-Credential), are the audit line's.
        String getKey = "narrow/read/audit-" + run;
        RawHttp.Answer get = as(Callers.NARROW_KEY, "GET /item?bucket=" + b + "&key=" + getKey + "&check=false HTTP/1.1",
                null);
        assertEquals(200, get.status(), get.toString());
        String getUrl = get.json().path("url").asText();
        expected.add(new Expected("presigned GET", "presign-get", b, getKey, get.json().path("expiresAt").asText(),
                param(getUrl, "X-Amz-Credential").split("/")[0]));
        secrets.add(param(getUrl, "X-Amz-Signature"));
        secrets.add(param(getUrl, "X-Amz-Security-Token"));

        String urlKey = "narrow/write/audit-url-" + run;
        RawHttp.Answer upload = as(Callers.NARROW_KEY, "GET /item/upload-url?bucket=" + b + "&key=" + urlKey + "&size=1 HTTP/1.1",
                null);
        assertEquals(200, upload.status(), upload.toString());
        String putUrl = upload.json().path("url").asText();
        expected.add(new Expected("upload URL", "presign-put", b, urlKey, upload.json().path("expiresAt").asText(),
                param(putUrl, "X-Amz-Credential").split("/")[0]));
        secrets.add(param(putUrl, "X-Amz-Signature"));

        String putKey = "narrow/write/audit-put-" + run;
        RawHttp.Answer put = as(Callers.NARROW_KEY, "PUT /item?bucket=" + b + "&key=" + putKey + " HTTP/1.1\r\n"
                + "Content-Type: text/plain\r\n", "audited put".getBytes(StandardCharsets.UTF_8));
        assertEquals(201, put.status(), put.toString());
        expected.add(new Expected("PUT upload", "upload", b, putKey, "-", currentKeyId(Access.WRITE, b, "narrow/write/")));

        String formKey = "narrow/write/audit-form-" + run;
        RawHttp.Answer post = as(Callers.NARROW_KEY, "POST /item HTTP/1.1\r\nContent-Type: multipart/form-data; boundary="
                + BOUNDARY + "\r\n", AuthorizationTest.form(BOUNDARY, b, formKey, "audited form"));
        assertEquals(201, post.status(), post.toString());
        expected.add(new Expected("form POST upload", "upload", b, formKey, "-",
                currentKeyId(Access.WRITE, b, "narrow/write/")));

        RawHttp.Answer vend = as(Callers.NARROW_KEY, "POST /credentials HTTP/1.1", new byte[0]);
        assertEquals(200, vend.status(), vend.toString());
        JsonNode vended = vend.json();
        String vendScope = scopes.all().stream().filter(s -> s.scope().vended()
                && s.scope().vendedTo().equals(Callers.NARROW)).findFirst().orElseThrow().sessionName();
        expected.add(new Expected("vended credentials", "vend", "-", vendScope, vended.path("expiration").asText(),
                vended.path("accessKeyId").asText()));
        secrets.add(vended.path("secretAccessKey").asText());
        secrets.add(vended.path("sessionToken").asText());
        secrets.addAll(BrokerSecrets.all());

        List<Captured> records = List.copyOf(capture.records);
        assertEquals(expected.size(), records.size(), "one audit record per grant: " + records);
        for (Expected grant : expected) {
            List<Captured> matching = records.stream().filter(r -> grant.action().equals(r.mdc().get("audit.action"))
                    && grant.target().equals(r.mdc().get("audit.target"))).toList();
            assertEquals(1, matching.size(), grant.label() + ": " + records);
            Captured record = matching.get(0);
            assertEquals(Audit.CATEGORY, record.category(), grant.label());
            Map<String, String> fields = Map.of("caller", Callers.NARROW, "action", grant.action(), "bucket",
                    grant.bucket(), "target", grant.target(), "outcome", "granted", "expiresAt", grant.expiresAt(),
                    "accessKeyId", grant.accessKeyId());
            for (String field : FIELDS) {
                assertEquals(fields.get(field), record.mdc().get("audit." + field), grant.label() + ": MDC audit." + field);
            }
            assertEquals("caller=" + Callers.NARROW + " action=" + grant.action() + " bucket=" + grant.bucket()
                    + " target=\"" + grant.target() + "\" outcome=granted expiresAt=" + grant.expiresAt() + " accessKeyId="
                    + grant.accessKeyId(), record.line(), grant.label());
            if (!grant.expiresAt().equals("-")) {
                assertTrue(Instant.parse(grant.expiresAt()).isAfter(Instant.now()), grant.label() + ": " + grant.expiresAt());
            }
            assertTrue(grant.accessKeyId().length() >= 16, grant.label() + ": " + grant.accessKeyId());
            for (String secret : secrets) {
                assertFalse(record.line().contains(secret), grant.label() + ": a secret in the line");
                record.mdc().values().forEach(value -> assertFalse(value != null && value.contains(secret),
                        grant.label() + ": a secret in the MDC"));
            }
        }
    }
}
