package io.s3broker.s3;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.s3broker.credentials.CredentialsUnavailableException;

/**
 * Aborts of multipart uploads that failed because S3 could not be reached, was busy or slow (or STS gave no
 * credentials) are tried again in the background until S3 answers: a failed upload must leave no open multipart
 * upload, and S3 is often back seconds later. The waits double from 1 s up to a minute, for an hour at most; after
 * that, or after a restart, the bucket's lifecycle rule removes what is left (README, "Abandoned multipart uploads").
 */
public final class AbortRetries {

    static final Duration FIRST_WAIT = Duration.ofSeconds(1);
    static final Duration MAX_WAIT = Duration.ofMinutes(1);
    static final Duration GIVE_UP_AFTER = Duration.ofHours(1);
    private static final Logger LOG = Logger.getLogger(AbortRetries.class);

    private AbortRetries() {
    }

    /** Whether an abort that failed so may succeed later: S3 or STS out of reach, busy or late; not a refusal. */
    public static boolean worthRetrying(Throwable failure) {
        RuntimeException e = S3Errors.translate(failure, "an upload");
        return e instanceof CredentialsUnavailableException || e instanceof S3Failure s3
                && (s3.kind() == S3Failure.Kind.UPSTREAM || s3.kind() == S3Failure.Kind.BUSY || s3.kind() == S3Failure.Kind.TIMEOUT);
    }

    /**
     * After an abort of {@code upload} failed so: runs {@code abort} again after a wait, and again while it fails in a
     * way {@link #worthRetrying} says; or says that the lifecycle rule must remove it. Never waits.
     */
    public static void afterFailure(Throwable failure, String upload, Supplier<CompletableFuture<?>> abort) {
        if (worthRetrying(failure)) {
            LOG.warnf("Could not abort the multipart upload of %s yet, trying again in the background: %s", upload,
                    failure.toString());
            schedule(upload, abort, FIRST_WAIT, System.nanoTime() + GIVE_UP_AFTER.toNanos());
        } else {
            LOG.errorf("Could not abort the multipart upload of %s; the bucket's lifecycle rule must remove it: %s",
                    upload, failure.toString());
        }
    }

    private static void schedule(String upload, Supplier<CompletableFuture<?>> abort, Duration wait, long giveUpAt) {
        // The call only starts an asynchronous SDK request, whose credentials come from the non-blocking cache.
        CompletableFuture.delayedExecutor(wait.toMillis(), TimeUnit.MILLISECONDS).execute(() -> abort.get()
                .whenComplete((done, error) -> {
                    if (error == null || S3Errors.translate(error, upload) instanceof S3Failure gone
                            && gone.kind() == S3Failure.Kind.NO_SUCH_KEY) {
                        LOG.infof("Aborted the multipart upload of %s on a later try", upload);
                    } else if (worthRetrying(error) && System.nanoTime() < giveUpAt) {
                        schedule(upload, abort, wait.multipliedBy(2).compareTo(MAX_WAIT) < 0 ? wait.multipliedBy(2) : MAX_WAIT,
                                giveUpAt);
                    } else {
                        LOG.errorf("Gave up aborting the multipart upload of %s (%s); the bucket's lifecycle rule must"
                                + " remove it", upload, error.toString());
                    }
                }));
    }
}
