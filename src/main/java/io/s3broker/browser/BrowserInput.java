package io.s3broker.browser;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jakarta.inject.Singleton;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Path;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.type.LogicalType;

import io.s3broker.browser.BrowserRequests.CompleteUpload;
import io.s3broker.config.BrokerConfig;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.s3broker.s3.S3Store;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * What the browser API's requests carry, checked before any STS or S3 call: JSON bodies (bound to the records of
 * {@link BrowserRequests} and checked with Bean Validation), file names, upload ids, part numbers and the parts to
 * assemble. Part numbers go up to what {@code broker.upload.max-size} can need. Every refusal is a 400 JSON error.
 */
@Singleton
public class BrowserInput {

    /** S3's limits: part numbers 1 to 10000, parts of at least 5 MiB but the last; and URLs in one batch. */
    static final int MAX_PART_NUMBER = 10_000;
    static final long MIN_PART_SIZE = 5L << 20;
    static final int MAX_BATCH = 1_000;
    private static final int MAX_UPLOAD_ID_LENGTH = 1_024;
    private static final int MAX_ETAG_LENGTH = 256;

    /** The highest part number an upload of at most {@code maxSize} bytes can need. */
    final int maxPartNumber;
    private final ObjectReader json;
    private final Validator validator;

    public BrowserInput(BrokerConfig config, ObjectMapper json, Validator validator) {
        long maxSize = config.upload().maxSize().asLongValue();
        this.maxPartNumber = (int) Math.min(MAX_PART_NUMBER, Math.max(1, (maxSize + MIN_PART_SIZE - 1) / MIN_PART_SIZE));
        this.json = strict(json);
        this.validator = validator;
    }

    /** Jackson without its coercions: a number is no file name, a string or 1.5 no part number. */
    private static ObjectReader strict(ObjectMapper json) {
        ObjectMapper strict = json.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
        for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean)) {
            strict.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        strict.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        return strict.reader();
    }

    /** {@code body} as a {@code type}, checked: a missing field answers MissingParameter, a bad one InvalidParameter. */
    <T> T body(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "A JSON body is required");
        }
        T value;
        try {
            value = json.forType(type).readValue(body);
        } catch (MismatchedInputException e) {
            String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
            throw field == null ? new BrokerException(ErrorCode.INVALID_REQUEST, "The body must be a JSON object")
                    : BrokerException.invalid(field, "has the wrong type");
        } catch (JsonProcessingException e) {
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "The body is not valid JSON");
        }
        if (value == null) {
            throw new BrokerException(ErrorCode.INVALID_REQUEST, "The body must be a JSON object");
        }
        Set<ConstraintViolation<T>> violations = validator.validate(value);
        if (!violations.isEmpty()) {
            throw refusal(violations.stream()
                    .min(Comparator.comparing(violation -> violation.getPropertyPath().toString())).orElseThrow());
        }
        return value;
    }

    /** A violation as the broker's error, named by the body's top-level field it is in. */
    private static BrokerException refusal(ConstraintViolation<?> violation) {
        Path.Node first = violation.getPropertyPath().iterator().next();
        Class<?> constraint = violation.getConstraintDescriptor().getAnnotation().annotationType();
        boolean topLevel = violation.getLeafBean() == violation.getRootBean();
        if (topLevel && (constraint == NotNull.class || constraint == NotEmpty.class) && violation.getInvalidValue() == null) {
            return BrokerException.missing(first.getName());
        }
        return BrokerException.invalid(first.getName(), violation.getMessage());
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

    BrokerException badPartNumber(String name) {
        return BrokerException.invalid(name, "a part number is a whole number from 1 to " + maxPartNumber
                + (maxPartNumber < MAX_PART_NUMBER ? " (an upload of at most broker.upload.max-size in parts of S3's"
                        + " 5 MiB minimum needs no more)" : ""));
    }

    /** The parts to assemble, in ascending order as S3 wants them; each number once, none above the cap. */
    List<CompletedPart> completedParts(String body) {
        CompleteUpload request = body(body, CompleteUpload.class);
        if (request.parts().size() > maxPartNumber) {
            throw BrokerException.invalid("parts", "at most " + maxPartNumber + " parts");
        }
        List<CompletedPart> completed = new ArrayList<>(request.parts().size());
        TreeSet<Integer> seen = new TreeSet<>();
        for (BrowserRequests.PartEntry part : request.parts()) {
            if (part.partNumber() > maxPartNumber) {
                throw BrokerException.invalid("parts", "each PartNumber must be a whole number from 1 to "
                        + maxPartNumber);
            }
            if (!seen.add(part.partNumber())) {
                throw BrokerException.invalid("parts", "part " + part.partNumber() + " is given more than once");
            }
            completed.add(CompletedPart.builder().partNumber(part.partNumber()).eTag(part.etag()).build());
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
