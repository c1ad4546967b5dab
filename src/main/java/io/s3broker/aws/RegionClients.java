package io.s3broker.aws;

import java.util.Map;

import io.netty.channel.EventLoop;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The S3 clients and presigner of one region, created once and shared by every request for that region. None of
 * them has credentials of its own: each request carries those of its scope.
 *
 * @param retrying for every call whose body can be sent again (the SDK's default retries)
 * @param singleAttempt for a PutObject or an UploadPart from a client's stream, which can be read only once: a
 *        retry could not resend it
 * @param presigner only to learn how the SDK addresses a bucket (see the s3 package's BucketUrls)
 * @param singleAttemptByLoop single-attempt clients whose connections live on one Vert.x event loop each, for
 *        streamed bodies read on that loop (see {@link #streaming()})
 */
public record RegionClients(String region, S3AsyncClient retrying, S3AsyncClient singleAttempt, S3Presigner presigner,
        Map<EventLoop, S3AsyncClient> singleAttemptByLoop) {

    public RegionClients(String region, S3AsyncClient retrying, S3AsyncClient singleAttempt, S3Presigner presigner) {
        this(region, retrying, singleAttempt, presigner, Map.of());
    }

    /**
     * The single-attempt client for a body streamed from the calling thread's event loop: its connections are on
     * that loop, so the bytes go from the client's socket to S3's without a hand-over between threads
     * (docs/decisions/0017-s3-calls-on-the-request-loop.md). Off an event loop, the shared one.
     */
    public S3AsyncClient streaming() {
        for (Map.Entry<EventLoop, S3AsyncClient> bound : singleAttemptByLoop.entrySet()) {
            if (bound.getKey().inEventLoop()) {
                return bound.getValue();
            }
        }
        return singleAttempt;
    }

    void close() {
        retrying.close();
        singleAttempt.close();
        singleAttemptByLoop.values().forEach(S3AsyncClient::close);
        presigner.close();
    }
}
