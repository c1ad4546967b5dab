package io.s3broker.upload;

import java.util.List;

import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * What an {@link AppendRequest} stored.
 *
 * @param parts the parts it uploaded, in order
 * @param storedTo the offset up to which the object's bytes are now in S3 (parts and the kept tail)
 * @param reachedEnd whether the last part is uploaded: the multipart upload can be completed
 */
public record Appended(List<CompletedPart> parts, long storedTo, boolean reachedEnd) {
}
