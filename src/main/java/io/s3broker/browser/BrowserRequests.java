package io.s3broker.browser;

import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The JSON bodies of the browser API, as records checked with Bean Validation ({@link BrowserInput#body}). The limits
 * that depend on configuration (the highest part number) are the service's.
 */
public final class BrowserRequests {

    /** Printable ASCII, as S3's upload ids and ETags are. */
    static final String PRINTABLE = "[\\x21-\\x7e]*";

    private BrowserRequests() {
    }

    /** POST /s3/multipart: {@code {filename, type, metadata}} (metadata is ignored). */
    public record NewUpload(
            @NotEmpty @Size(max = 1024, message = "must be at most 1024 characters") String filename,
            String type) {
    }

    /** POST /s3/multipart/{uploadId}/complete: the parts to assemble. */
    public record CompleteUpload(
            @NotEmpty(message = "must be a non-empty array of {ETag, PartNumber} objects")
            List<@NotNull(message = "must be a non-empty array of {ETag, PartNumber} objects") @Valid PartEntry> parts) {
    }

    /** One part of {@link CompleteUpload}, in Companion's names. */
    public record PartEntry(
            @JsonProperty("PartNumber") @NotNull(message = "each PartNumber must be a whole number")
            @Min(value = 1, message = "each PartNumber must be a whole number from 1")
            @Max(value = BrowserInput.MAX_PART_NUMBER, message = "each PartNumber must be at most 10000") Integer partNumber,
            @JsonProperty("ETag") @NotEmpty(message = "each ETag must be the ETag S3 answered for the part")
            @Size(max = 256, message = "each ETag must be the ETag S3 answered for the part")
            @Pattern(regexp = "[\\x20-\\x7e]*", message = "each ETag must be the ETag S3 answered for the part")
            String etag) {
    }

    /**
     * POST /s3/sign: Uppy 6's {@code PresignableRequest} ({@code @uppy/aws-s3}, {@code src/s3-client/types.ts}):
     * which S3 request to sign, told apart by method, upload id and part number. Its {@code expiresIn} is not
     * read: URLs live {@code broker.presign.default-expiry}.
     */
    public record SignRequest(
            @NotEmpty @Pattern(regexp = "PUT|POST|GET|DELETE", message = "must be PUT, POST, GET or DELETE") String method,
            @NotEmpty @Size(max = 1024, message = "must be at most 1024 characters") String key,
            @Size(min = 1, max = 1024, message = "must be 1 to 1024 printable ASCII characters")
            @Pattern(regexp = PRINTABLE, message = "must be 1 to 1024 printable ASCII characters") String uploadId,
            @Min(value = 1, message = "must be a whole number from 1") Integer partNumber,
            String contentType) {
    }
}
