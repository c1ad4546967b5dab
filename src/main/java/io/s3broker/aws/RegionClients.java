package io.s3broker.aws;

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
 */
public record RegionClients(String region, S3AsyncClient retrying, S3AsyncClient singleAttempt, S3Presigner presigner) {

    void close() {
        retrying.close();
        singleAttempt.close();
        presigner.close();
    }
}
