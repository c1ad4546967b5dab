package io.s3broker.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every setting of the broker. Each key can also be given as an environment variable
 * ({@code broker.s3.path-style} is {@code BROKER_S3_PATH_STYLE}); durations take ISO-8601 ({@code PT1H}),
 * the short form ({@code 1H}, {@code 5M}) or plain seconds. An invalid or missing value stops start-up
 * with a message naming the key.
 */
@ConfigMapping(prefix = "broker")
public interface BrokerConfig {

    /** The role to assume; ARNs of S3-compatible servers may have an empty account field. */
    @Pattern(regexp = "arn:[a-z-]+:iam::[0-9]{0,12}:role/[\\w+=,.@/-]{1,512}", message = "must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME)")
    String roleArn();

    /** First part of every RoleSessionName, before the scope's: shows in CloudTrail next to every S3 call the broker makes. */
    @WithDefault("s3-sts-broker")
    @Pattern(regexp = "[\\w+=,.@-]{2,32}", message = "must be 2 to 32 characters of letters, digits and +=,.@_-"
            + " (the scope's name follows it within STS's 64)")
    String roleSessionName();

    /** DurationSeconds of AssumeRole: how long one set of temporary credentials lives. */
    @WithDefault("1H")
    @DurationMin(seconds = 900, message = "must be at least 900 seconds (STS minimum)")
    @DurationMax(hours = 12, message = "must be at most 12 hours (STS maximum)")
    Duration roleSessionDuration();

    /** Refresh the credentials in the background this long before they expire. */
    @WithDefault("5M")
    @DurationMin(seconds = 0, message = "must not be negative")
    Duration refreshAhead();

    /** Region used when a request names none, and the region of the STS client. */
    @WithDefault("us-east-1")
    @Pattern(regexp = Regions.PATTERN, message = Regions.MESSAGE)
    String region();

    /**
     * Regions requests may name, besides {@link #region()}; any other is a 400. The S3 clients of each are built at
     * start-up.
     */
    Optional<List<@Pattern(regexp = Regions.PATTERN, message = Regions.MESSAGE) String>> regions();

    /** Fetch credentials as soon as the service starts, so the first request does not wait for STS. */
    @WithDefault("true")
    boolean prefetchOnStart();

    /**
     * A connection without a whole request header this long after it was accepted (a kept-alive one: after the first
     * byte of its next request) is closed, as by nginx's client_header_timeout, so that clients that trickle bytes
     * cannot hold the connections of quarkus.http.limits.max-connections. 0 turns it off.
     */
    @WithDefault("10S")
    @DurationMin(seconds = 0, message = "must not be negative")
    Duration headerTimeout();

    Auth auth();

    Access access();

    Credentials credentials();

    RateLimit rateLimit();

    /** Who may call the broker: every /item and /credentials request must authenticate in this mode. */
    interface Auth {
        /**
         * {@code api-key} (Authorization: Bearer KEY, checked against {@link #apiKeys()}), {@code jwt} (a JWT verified
         * with the {@code mp.jwt.verify.*} settings; the caller is its subject) or {@code none} (no authentication:
         * must be chosen explicitly, and logs a warning).
         */
        @WithDefault("api-key")
        Mode mode();

        /** {@code name:sha256hex} pairs: a caller's name and the SHA-256 (hex) of its key, never the key itself. */
        Optional<List<String>> apiKeys();

        enum Mode { API_KEY, JWT, NONE }
    }

    /**
     * Allow-lists of {@code bucket/prefix/} entries ({@code photos/} is the whole bucket). An empty or absent list
     * allows nothing.
     */
    interface Access {
        /** Keys every caller may read (GET /item and its presigned URL). */
        Optional<List<String>> read();

        /** Keys every caller may write (PUT and POST /item, GET /item/upload-url). */
        Optional<List<String>> write();

        /** Lists of one caller, replacing {@link #read()} / {@link #write()} for it: {@code callers."NAME".read}. */
        Map<String, CallerAccess> callers();

        interface CallerAccess {
            Optional<List<String>> read();
            Optional<List<String>> write();
        }
    }

    /** {@code POST /credentials}: temporary credentials handed to clients that use an S3 SDK themselves. */
    interface Credentials {
        @WithDefault("false")
        boolean enabled();

        /** Lifetime of vended credentials, from sessions of their own (never the broker's longer ones). */
        @WithDefault("15M")
        @DurationMin(seconds = 900, message = "must be at least 900 seconds (STS minimum)")
        @DurationMax(hours = 12, message = "must be at most 12 hours (STS maximum)")
        Duration duration();
    }

    /** Limits per caller; each is off while unset. */
    interface RateLimit {
        /** Requests per second a caller may make on average; beyond it, 429 with Retry-After. */
        OptionalDouble perSecond();

        /** Requests a caller may make at once before {@link #perSecond()} applies (default: one second's worth). */
        OptionalInt burst();

        /** Uploads one caller may run at the same time; beyond it, 429. */
        OptionalInt uploadsInFlight();
    }

    Sts sts();

    S3 s3();

    Presign presign();

    Upload upload();

    /** broker.companion: browser uploads (the Companion API, Uppy 6 signing, the page /upload). */
    CompanionConfig companion();

    /** broker.tus: resumable uploads at /files/. */
    TusConfig tus();

    /** broker.warm-up: the broker's own requests before readiness turns UP. */
    WarmUpConfig warmUp();

    interface Sts {
        /** STS endpoint; empty means the AWS default for {@code broker.region}. */
        Optional<URI> endpoint();

        /** Upper bound of one AssumeRole call, retries included. */
        @WithDefault("10S")
        @DurationMin(millis = 1, message = "must be positive")
        Duration timeout();

        /** First wait after a failed AssumeRole; doubles (with jitter) up to {@link #retryMaxBackoff()}. */
        @WithDefault("1S")
        @DurationMin(millis = 1, message = "must be positive")
        Duration retryBackoff();

        @WithDefault("1M")
        @DurationMin(millis = 1, message = "must be positive")
        Duration retryMaxBackoff();
    }

    interface S3 {
        /** S3 endpoint; empty means the AWS default for the request's region. */
        Optional<URI> endpoint();

        /** Path-style addressing (bucket in the path); needed by most S3-compatible servers. */
        @WithDefault("false")
        boolean pathStyle();

        /** Flexible checksums; servers without them (Ceph RGW 16) need {@code when-required}. */
        @WithDefault("when-supported")
        Checksums checksums();

        /**
         * Upper bound of one metadata call, retries included: HeadObject, HeadBucket, CreateMultipartUpload and each
         * AbortMultipartUpload attempt (a failed upload answers only after its abort).
         */
        @WithDefault("10S")
        @DurationMin(millis = 1, message = "must be positive")
        Duration timeout();

        /**
         * Connections the broker keeps open to S3 and STS, per host (for HeadObject: per host and event loop);
         * more requests than this queue.
         */
        @WithDefault("256")
        @Min(value = 1, message = "must be at least 1")
        int maxConnections();
    }

    interface Presign {
        /** Lifetime of a presigned URL when the request gives no {@code expiresIn}. */
        @WithDefault("2400S")
        @DurationMin(seconds = 1, message = "must be at least 1 second")
        Duration defaultExpiry();

        /** Largest {@code expiresIn} a client may ask for (it is also capped by the role session duration). */
        @WithDefault("12H")
        @DurationMin(seconds = 1, message = "must be at least 1 second")
        @DurationMax(days = 7, message = "must be at most 7 days (SigV4 limit)")
        Duration maxExpiry();
    }

    interface Upload {
        /** Largest object a client may upload; larger bodies get 413 and leave nothing behind. */
        @WithDefault("5G")
        MemorySize maxSize();

        /**
         * Size of one part of a multipart upload (S3 needs at least 5 MiB for all but the last part). 16M rather than
         * 8M: half the calls per byte cut a chunked PUT's CPU per MiB by about a tenth (bench/results-upload.md).
         */
        @WithDefault("16M")
        MemorySize partSize();

        /** Parts of one upload being sent to S3 at the same time; beyond that the client's stream is paused. */
        @WithDefault("4")
        @Min(value = 1, message = "must be at least 1")
        int maxPartsInFlight();

        /**
         * Memory all uploads together may hold in parts being filled or sent. An upload that needs a part beyond
         * this waits (its client is paused) until another part is sent: memory stays bounded whatever the load.
         * The buffers are direct (outside the heap, within -XX:MaxDirectMemorySize, which defaults to the heap size)
         * and kept for reuse, so they count in the process's memory for good. 64M: four parts of 16M, so that four
         * chunked PUTs or forms run at once before the next waits (bench/results-upload.md).
         */
        @WithDefault("64M")
        MemorySize maxBuffered();

        /**
         * A body of known length up to this size goes to S3 as one streamed PutObject (faster, and atomic: a failed
         * one leaves nothing); a larger one, or one of unknown length, as a multipart upload. S3 caps PutObject at 5 GiB.
         */
        @WithDefault("5G")
        MemorySize multipartThreshold();

        /** Upper bound of one UploadPart or PutObject-from-memory call, retries included. */
        @WithDefault("2M")
        @DurationMin(millis = 1, message = "must be positive")
        Duration partTimeout();

        /**
         * How long an upload that needs a part buffer (chunked PUT, every form) waits for one when all are taken;
         * then it gets 503 ServiceUnavailable with Retry-After, having read nothing and written nothing to S3.
         */
        @WithDefault("30S")
        @DurationMin(millis = 1, message = "must be positive")
        Duration bufferWait();

        /**
         * How long an upload may make no progress: a client that sends nothing when asked (408 RequestTimeout), or
         * S3 taking none of a streamed body (504 UpstreamTimeout). Either way the upload is aborted and leaves
         * nothing. This is the bound of the streamed PutObject and UploadPart calls, which have no call timeout of
         * their own because they last as long as the client takes to send its body.
         */
        @WithDefault("60S")
        @DurationMin(millis = 1, message = "must be positive")
        Duration idleTimeout();

        /**
         * The least rate, per second, at which a client must send its body: an upload that gets less within a window
         * of {@code idle-timeout} while it waits for its client is cut with 408 RequestTimeout and leaves nothing. 1K
         * (8 kbit/s) is about what a GPRS uplink sends on a single time slot, the slowest mobile link still in use,
         * and twice Apache's mod_reqtimeout MinRate; a client that trickles a byte every 50 s sends 50,000 times
         * less. 0 turns the bound off (the idle timeout still holds).
         */
        @WithDefault("1K")
        MemorySize minRate();

        /**
         * Part buffers one caller may hold at once; its further chunked PUTs and forms wait as when the pool is full.
         * Unset: all but one of the pool (3 of 4 by default), so that one caller's uploads, however slow, always
         * leave a buffer to the others; the whole pool when {@code broker.auth.mode=none}, where every request is the
         * same caller.
         */
        OptionalInt buffersPerCaller();

        /** Canned ACL for uploaded objects, e.g. bucket-owner-full-control when the bucket belongs to another account. */
        Optional<String> acl();
    }

    enum Checksums {
        WHEN_SUPPORTED,
        WHEN_REQUIRED
    }

    Log log();

    /** The console log: access log, audit log and every other record. */
    interface Log {
        /**
         * Records are written in batches this often by one background thread (and everything left when the broker
         * exits), so that a request's log lines wake no thread: docs/decisions/0026-batched-log-writes.md.
         */
        @WithDefault("200MS")
        @DurationMin(millis = 1, message = "must be positive")
        @DurationMax(seconds = 60, message = "must be at most 60 seconds")
        Duration flushInterval();
    }
}
