package io.s3broker.access;

import java.time.Instant;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import io.s3broker.auth.Caller;
import io.s3broker.auth.WarmUpPass;
import io.s3broker.logging.LogText;

/**
 * One line per grant (presigned URL, upload, vended credentials) and per denial, under the log category
 * {@code s3broker.audit}: who, what, where, the outcome, until when, and the access key id of the credentials used,
 * never a secret, token or signature. The fields also go into the MDC, so JSON logs carry them as fields.
 */
@Singleton
public class Audit {

    public static final String CATEGORY = "s3broker.audit";
    private static final Logger LOG = Logger.getLogger(CATEGORY);

    public void granted(Caller caller, String action, String bucket, String keyOrScope, Instant expiresAt,
            String accessKeyId) {
        log(caller, action, bucket, keyOrScope, "granted", expiresAt, accessKeyId, null);
    }

    public void denied(Caller caller, String action, String bucket, String keyOrScope, String reason) {
        log(caller, action, bucket, keyOrScope, "denied", null, null, reason);
    }

    private static void log(Caller caller, String action, String bucket, String keyOrScope, String outcome,
            Instant expiresAt, String accessKeyId, String reason) {
        if (caller == WarmUpPass.CALLER) {
            // The broker's own warm-up requests: one summary line at their end says what they did.
            return;
        }
        // Every field escaped (caller names, keys and buckets come from clients): no value can end the line, start
        // another, or pass for another field. JSON logs get the same escaped values from the MDC.
        String who = LogText.escape(caller.name());
        String where = LogText.escape(bucket);
        String target = LogText.escape(keyOrScope);
        String expires = expiresAt == null ? "-" : expiresAt.toString();
        String key = LogText.escape(accessKeyId);
        MDC.put("audit.caller", who);
        MDC.put("audit.action", action);
        MDC.put("audit.bucket", where);
        MDC.put("audit.target", target);
        MDC.put("audit.outcome", outcome);
        MDC.put("audit.expiresAt", expires);
        MDC.put("audit.accessKeyId", key);
        try {
            LOG.infof("caller=%s action=%s bucket=%s target=\"%s\" outcome=%s expiresAt=%s accessKeyId=%s%s",
                    LogText.field(caller.name()), action, LogText.field(bucket), target, outcome, expires,
                    LogText.field(accessKeyId), reason == null ? "" : " reason=\"" + LogText.escape(reason) + "\"");
        } finally {
            MDC.remove("audit.caller");
            MDC.remove("audit.action");
            MDC.remove("audit.bucket");
            MDC.remove("audit.target");
            MDC.remove("audit.outcome");
            MDC.remove("audit.expiresAt");
            MDC.remove("audit.accessKeyId");
        }
    }
}
