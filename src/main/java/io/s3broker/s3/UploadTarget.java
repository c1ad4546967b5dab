package io.s3broker.s3;

import java.util.Optional;

/** Where an upload goes and what S3 stores with it. */
public record UploadTarget(ObjectLocation location, String contentType, Optional<String> acl) {
}
