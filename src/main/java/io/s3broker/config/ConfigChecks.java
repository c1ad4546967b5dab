package io.s3broker.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.StartupEvent;

/** Rules that tie several settings together, which per-key validation cannot express. */
@ApplicationScoped
public class ConfigChecks {

    void check(@Observes StartupEvent event, BrokerConfig config,
            @ConfigProperty(name = "quarkus.http.idle-timeout", defaultValue = "30M") Duration httpIdleTimeout) {
        List<String> problems = problems(config, httpIdleTimeout);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Invalid configuration: " + String.join("; ", problems));
        }
    }

    static List<String> problems(BrokerConfig config) {
        return problems(config, Duration.ofMinutes(30));
    }

    static List<String> problems(BrokerConfig config, Duration httpIdleTimeout) {
        List<String> problems = new ArrayList<>();
        if (config.presign().defaultExpiry().compareTo(config.roleSessionDuration()) > 0) {
            problems.add("broker.presign.default-expiry (" + config.presign().defaultExpiry()
                    + ") must not exceed broker.role-session-duration (" + config.roleSessionDuration()
                    + "): a presigned URL cannot outlive the credentials that sign it");
        }
        if (config.presign().defaultExpiry().compareTo(config.presign().maxExpiry()) > 0) {
            problems.add("broker.presign.default-expiry must not exceed broker.presign.max-expiry");
        }
        if (config.refreshAhead().compareTo(config.roleSessionDuration()) >= 0) {
            problems.add("broker.refresh-ahead must be shorter than broker.role-session-duration");
        }
        BrokerConfig.Upload upload = config.upload();
        long fiveMiB = 5L << 20;
        long fiveGiB = 5L << 30;
        if (upload.partSize().asLongValue() < fiveMiB || upload.partSize().asLongValue() > fiveGiB) {
            problems.add("broker.upload.part-size must be between 5M and 5G (S3 multipart limits)");
        }
        if (upload.maxBuffered().asLongValue() < upload.partSize().asLongValue()) {
            problems.add("broker.upload.max-buffered must hold at least one part (broker.upload.part-size)");
        }
        if (upload.multipartThreshold().asLongValue() > fiveGiB) {
            problems.add("broker.upload.multipart-threshold must be at most 5G (the S3 PutObject limit)");
        }
        if (upload.maxSize().asLongValue() > upload.partSize().asLongValue() * 10_000) {
            problems.add("broker.upload.max-size needs more than 10000 parts of broker.upload.part-size (the S3 limit)");
        }
        if (upload.buffersPerCaller().isPresent() && upload.buffersPerCaller().getAsInt() < 1) {
            problems.add("broker.upload.buffers-per-caller must be at least 1");
        }
        if (upload.idleTimeout().compareTo(httpIdleTimeout) >= 0) {
            // Else the connection of a stalled upload is closed first, and its client never gets the 408.
            problems.add("broker.upload.idle-timeout (" + upload.idleTimeout() + ") must be shorter than"
                    + " quarkus.http.idle-timeout (" + httpIdleTimeout + ")");
        }
        BrokerConfig.RateLimit limits = config.rateLimit();
        if (limits.perSecond().isPresent() && !(limits.perSecond().getAsDouble() > 0)) {
            problems.add("broker.rate-limit.per-second must be positive");
        }
        if (limits.burst().isPresent() && limits.burst().getAsInt() < 1) {
            problems.add("broker.rate-limit.burst must be at least 1");
        }
        if (limits.burst().isPresent() && limits.perSecond().isEmpty()) {
            problems.add("broker.rate-limit.burst needs broker.rate-limit.per-second");
        }
        if (limits.uploadsInFlight().isPresent() && limits.uploadsInFlight().getAsInt() < 1) {
            problems.add("broker.rate-limit.uploads-in-flight must be at least 1");
        }
        CompanionConfig companion = config.companion();
        uploadPlace(problems, "broker.companion", companion.bucket(), companion.keyPrefix(), "uploads/");
        uploadPlace(problems, "broker.tus", config.tus().bucket(), config.tus().keyPrefix(), "tus/");
        return problems;
    }

    /** A bucket and a key prefix of uploads whose keys the broker chooses. */
    private static void uploadPlace(List<String> problems, String setting, Optional<String> bucket, String prefix,
            String example) {
        bucket.filter(name -> !S3Names.isValidBucket(name))
                .ifPresent(name -> problems.add(setting + ".bucket: " + S3Names.BUCKET_RULES));
        String problem = S3Names.prefixProblem(prefix, true);
        if (problem != null || !prefix.contains(S3Names.CALLER)) {
            // Each caller's uploads under a prefix of its own, so that a templated write entry can make it a scope
            // of its own (docs/decisions/0020-templated-scopes.md).
            problems.add(setting + ".key-prefix must be a key prefix ending with '/' that holds "
                    + S3Names.CALLER + " as a whole segment, such as " + example + S3Names.CALLER + "/"
                    + (problem == null ? "" : ": it " + problem));
        }
    }
}
