package io.s3broker.browser;

import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The JSON answers of the browser API: the Companion routes' as Companion's, POST /s3/sign's as Uppy 6's
 * {@code PresignedResponse}. Those that carry a signature or a secret show none in {@code toString}.
 */
public final class BrowserAnswers {

    private BrowserAnswers() {
    }

    /**
     * GET /s3/params: an S3 POST policy for a file uploaded in one request: the client POSTs {@code fields}, then the
     * file, as a form to {@code url}.
     */
    public record UploadParameters(String method, String url, Map<String, String> fields, Map<String, String> headers,
            long expires) {

        @Override
        public String toString() {
            return "UploadParameters[method=" + method + ", expires=" + expires + "]";
        }
    }

    /**
     * GET /s3/sts: temporary credentials in both the names Uppy 6's {@code getCredentials} reads ({@code accessKeyId},
     * ...) and Companion's (STS's {@code AccessKeyId}, ..., which Uppy 5 reads): the same values twice.
     */
    public record SessionCredentials(String accessKeyId, String secretAccessKey, String sessionToken,
            Instant expiration) {

        @JsonProperty("AccessKeyId")
        String companionAccessKeyId() {
            return accessKeyId;
        }

        @JsonProperty("SecretAccessKey")
        String companionSecretAccessKey() {
            return secretAccessKey;
        }

        @JsonProperty("SessionToken")
        String companionSessionToken() {
            return sessionToken;
        }

        @JsonProperty("Expiration")
        Instant companionExpiration() {
            return expiration;
        }

        @Override
        public String toString() {
            return "SessionCredentials[accessKeyId=" + accessKeyId + ", expiration=" + expiration + "]";
        }
    }

    /** GET /s3/sts; {@code keyPrefix} is where the credentials may write, and the page must put its keys. */
    public record TemporaryCredentials(SessionCredentials credentials, String bucket, String region, String keyPrefix) {
    }

    /**
     * POST /s3/sign: Uppy 6's {@code PresignedResponse}: the URL to send the request to; {@code key}, the key the
     * broker chose, for PutObject and CreateMultipartUpload; {@code fields}, a POST policy's form fields, for
     * PutObject; {@code headers} to send with the request (unsigned: the URL signs {@code host} only).
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record SignedRequest(String url, String key, Map<String, String> fields, Map<String, String> headers) {

        @Override
        public String toString() {
            return "SignedRequest[key=" + key + "]";
        }
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
