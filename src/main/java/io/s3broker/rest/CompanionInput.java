package io.s3broker.rest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.s3broker.s3.S3Store;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * What the Companion API's requests carry, checked before any STS or S3 call: JSON bodies, file names, upload ids,
 * part numbers and the parts to assemble. Part numbers go up to what {@code broker.upload.max-size} can need.
 */
final class CompanionInput {

    /** S3's limits: part numbers 1 to 10000, parts of at least 5 MiB but the last; and URLs in one batch. */
    static final int MAX_PART_NUMBER = 10_000;
    static final long MIN_PART_SIZE = 5L << 20;
    static final int MAX_BATCH = 1_000;
    private static final int MAX_UPLOAD_ID_LENGTH = 1_024;
    private static final int MAX_ETAG_LENGTH = 256;

    /** The highest part number an upload of at most {@code maxSize} bytes can need. */
    final int maxPartNumber;
    private final ObjectMapper json;

    CompanionInput(long maxSize, ObjectMapper json) {
        this.maxPartNumber = (int) Math.min(MAX_PART_NUMBER, Math.max(1, (maxSize + MIN_PART_SIZE - 1) / MIN_PART_SIZE));
        this.json = json;
    }

    JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "A JSON body is required");
        }
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !node.isObject()) {
                throw new BrokerException(ErrorCode.INVALID_REQUEST, "The body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "The body is not valid JSON");
        }
    }

    /** The body of POST /s3/multipart: {@code {filename, type, metadata}} (metadata is ignored). */
    record NewUpload(String filename, String type) {
    }

    NewUpload newUpload(String body) {
        JsonNode request = parse(body);
        JsonNode type = request.path("type");
        if (!type.isMissingNode() && !type.isNull() && !type.isTextual()) {
            throw BrokerException.invalid("type", "must be a string");
        }
        return new NewUpload(filename("filename", request.path("filename").isTextual()
                ? request.get("filename").asText() : null), type.isTextual() ? type.asText() : null);
    }

    static String filename(String name, String filename) {
        if (filename == null || filename.isEmpty()) {
            throw BrokerException.missing(name);
        }
        if (filename.length() > 1_024) {
            throw BrokerException.invalid(name, "must be at most 1024 characters");
        }
        return filename;
    }

    static String uploadId(String uploadId) {
        if (uploadId == null || uploadId.isEmpty()) {
            throw BrokerException.missing("uploadId");
        }
        if (uploadId.length() > MAX_UPLOAD_ID_LENGTH || !uploadId.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw BrokerException.invalid("uploadId", "must be at most " + MAX_UPLOAD_ID_LENGTH
                    + " printable ASCII characters");
        }
        return uploadId;
    }

    int partNumber(String name, String value) {
        if (value == null || value.isEmpty()) {
            throw BrokerException.missing(name);
        }
        if (value.length() > 5 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw badPartNumber(name);
        }
        int number = Integer.parseInt(value);
        if (number < 1 || number > maxPartNumber) {
            throw badPartNumber(name);
        }
        return number;
    }

    List<Integer> partNumbers(String value) {
        if (value == null || value.isEmpty()) {
            throw BrokerException.missing("partNumbers");
        }
        String[] items = value.split(",", -1);
        if (items.length > MAX_BATCH) {
            throw BrokerException.invalid("partNumbers", "at most " + MAX_BATCH + " part numbers per batch");
        }
        List<Integer> numbers = new ArrayList<>(items.length);
        for (String item : items) {
            numbers.add(partNumber("partNumbers", item.trim()));
        }
        return numbers;
    }

    private BrokerException badPartNumber(String name) {
        return BrokerException.invalid(name, "a part number is a whole number from 1 to " + maxPartNumber
                + (maxPartNumber < MAX_PART_NUMBER ? " (an upload of at most broker.upload.max-size in parts of S3's"
                        + " 5 MiB minimum needs no more)" : ""));
    }

    /** The parts to assemble, in ascending order as S3 wants them; each number once. */
    List<CompletedPart> completedParts(JsonNode body) {
        JsonNode parts = body.path("parts");
        if (!parts.isArray() || parts.isEmpty()) {
            throw BrokerException.invalid("parts", "must be a non-empty array of {ETag, PartNumber} objects");
        }
        if (parts.size() > maxPartNumber) {
            throw BrokerException.invalid("parts", "at most " + maxPartNumber + " parts");
        }
        List<CompletedPart> completed = new ArrayList<>(parts.size());
        TreeSet<Integer> seen = new TreeSet<>();
        for (JsonNode part : parts) {
            JsonNode number = part.path("PartNumber");
            JsonNode etag = part.path("ETag");
            if (!number.isIntegralNumber() || !number.canConvertToInt() || number.asInt() < 1
                    || number.asInt() > maxPartNumber) {
                throw BrokerException.invalid("parts", "each PartNumber must be a whole number from 1 to "
                        + maxPartNumber);
            }
            if (!etag.isTextual() || etag.asText().isEmpty() || etag.asText().length() > MAX_ETAG_LENGTH
                    || !etag.asText().chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                throw BrokerException.invalid("parts", "each ETag must be the ETag S3 answered for the part");
            }
            if (!seen.add(number.asInt())) {
                throw BrokerException.invalid("parts", "part " + number.asInt() + " is given more than once");
            }
            completed.add(CompletedPart.builder().partNumber(number.asInt()).eTag(etag.asText()).build());
        }
        completed.sort(Comparator.comparing(CompletedPart::partNumber));
        return completed;
    }

    /**
     * The size of the object {@code parts} make from what S3 {@code held}; 400 unless every part is one S3 holds,
     * with the same ETag, so that none can be swapped for a larger one before the parts are assembled.
     */
    static long heldSize(List<CompletedPart> parts, List<S3Store.Part> held) {
        Map<Integer, S3Store.Part> byNumber = new HashMap<>();
        held.forEach(part -> byNumber.put(part.partNumber(), part));
        long size = 0;
        for (CompletedPart part : parts) {
            S3Store.Part stored = byNumber.get(part.partNumber());
            if (stored == null || !bareEtag(stored.etag()).equals(bareEtag(part.eTag()))) {
                throw BrokerException.invalid("parts", "part " + part.partNumber() + " is not one S3 holds with that"
                        + " ETag");
            }
            size += stored.size();
        }
        return size;
    }

    /** An ETag without its quotes, as S3 lists it and clients send it either way. */
    static String bareEtag(String etag) {
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"") ? etag.substring(1, etag.length() - 1)
                : etag;
    }

    static String summary(List<Integer> numbers) {
        return numbers.size() <= 5 ? numbers.toString() : numbers.subList(0, 5) + "... (" + numbers.size() + ")";
    }
}
