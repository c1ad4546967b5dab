package io.s3broker.s3;

import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The S3 client and presigner of one region, created once and shared by every request for that region. */
public record RegionClients(String region, S3AsyncClient s3, S3Presigner presigner) {

    void close() {
        s3.close();
        presigner.close();
    }
}
