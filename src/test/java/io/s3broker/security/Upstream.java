package io.s3broker.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;

import io.s3broker.testing.LocalS3Sts;
import software.amazon.awssdk.services.s3.model.S3Object;

/** What reached STS and S3, counted where it can be: at the gateway, in the broker's metrics, in its log. */
final class Upstream {

    static final Path LOG = Path.of("target", "quarkus-test.log");

    private Upstream() {
    }

    /** AssumeRole calls the gateway served, once its usage log (flushed every second) has caught up. */
    static long assumeRolesSettled() {
        try {
            Thread.sleep(2500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long count = LocalS3Sts.assumeRoleCount();
        for (int i = 0; i < 10; i++) {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long again = LocalS3Sts.assumeRoleCount();
            if (again == count) {
                return count;
            }
            count = again;
        }
        return count;
    }

    /** S3 requests the broker made (broker_s3_requests_seconds_count, every operation and outcome). */
    static double s3Requests() {
        RawHttp.Answer metrics = RawHttp.sendManagement("GET /q/metrics HTTP/1.1\r\n");
        return metrics.body().lines().filter(line -> line.startsWith("broker_s3_requests_seconds_count"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** The broker's gauge {@code name} as exported (e.g. broker_uploads_in_flight), summed over its tags. */
    static double gauge(String name) {
        RawHttp.Answer metrics = RawHttp.sendManagement("GET /q/metrics HTTP/1.1\r\n");
        return metrics.body().lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** Waits, up to 20 s, until the gauge {@code name} is what {@code wanted} accepts. */
    static void awaitGauge(String name, DoublePredicate wanted, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!wanted.test(gauge(name))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": " + name + " stayed at " + gauge(name));
            }
            Thread.sleep(20);
        }
    }

    /** Waits, up to 20 s, for a log line written since {@code offset} that contains {@code text}; the lines since. */
    static List<String> awaitLogLine(long offset, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            List<String> lines = logSince(offset);
            if (lines.stream().anyMatch(line -> line.contains(text))) {
                return lines;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no log line with '" + text + "' within 20 s");
            }
            Thread.sleep(20);
        }
    }

    static long logSize() {
        try {
            return Files.exists(LOG) ? Files.size(LOG) : 0;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The log lines written since {@code offset} (a {@link #logSize()}). */
    static List<String> logSince(long offset) {
        try {
            byte[] all = Files.readAllBytes(LOG);
            return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                    java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every key under {@code prefix} of the test bucket, as the bucket owner sees it (objects and open uploads). */
    static List<String> stored(String prefix) {
        try {
            List<String> keys = new java.util.ArrayList<>(LocalS3Sts.admin().listObjectsV2(b -> b
                    .bucket(LocalS3Sts.bucket()).prefix(prefix).maxKeys(1000)).get().contents().stream()
                    .map(S3Object::key).toList());
            keys.addAll(LocalS3Sts.admin().listMultipartUploads(b -> b.bucket(LocalS3Sts.bucket()).prefix(prefix)).get()
                    .uploads().stream().map(upload -> "upload:" + upload.key()).toList());
            return keys;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
