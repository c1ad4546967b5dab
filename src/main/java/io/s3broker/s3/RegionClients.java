package io.s3broker.s3;

import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The S3 clients and presigner of one region, created once and shared by every request for that region.
 *
 * @param s3 for every call whose body can be sent again (retries on)
 * @param streaming for a PutObject or an UploadPart from a client's stream, which can be read only once: a retry could not resend it
 */
public record RegionClients(String region, S3AsyncClient s3, S3AsyncClient streaming, S3Presigner presigner) {

    void close() {
        s3.close();
        streaming.close();
        presigner.close();
    }
}
