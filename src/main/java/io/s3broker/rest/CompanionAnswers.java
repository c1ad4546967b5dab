package io.s3broker.rest;

import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The JSON answers of the Companion API's multipart routes ({@link CompanionMultipartResource}), as Companion's. */
public final class CompanionAnswers {

    private CompanionAnswers() {
    }

    /** POST /s3/multipart. */
    public record CreatedUpload(String key, String uploadId, String bucket) {
    }

    /** One element of GET /s3/multipart/{uploadId}: the names of the SDK's Part, as Companion answers them. */
    public record UploadedPart(@JsonProperty("PartNumber") int partNumber, @JsonProperty("ETag") String etag,
            @JsonProperty("Size") long size, @JsonProperty("LastModified") Instant lastModified) {
    }

    /** GET /s3/multipart/{uploadId}/{partNumber}. */
    public record PresignedPart(String url, long expires) {

        @Override
        public String toString() {
            return "PresignedPart[expires=" + expires + "]";
        }
    }

    /** GET /s3/multipart/{uploadId}/batch: URLs by part number. */
    public record PresignedParts(Map<String, String> presignedUrls) {

        @Override
        public String toString() {
            return "PresignedParts" + presignedUrls.keySet();
        }
    }

    /** POST /s3/multipart/{uploadId}/complete. */
    public record CompletedUpload(String location, String key, String bucket) {
    }
}
