package io.s3broker.browser;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.s3broker.access.Audit;
import io.s3broker.auth.Caller;
import io.s3broker.browser.BrowserAnswers.SignedRequest;
import io.s3broker.browser.BrowserRequests.SignRequest;
import io.s3broker.rest.RequestValidator;
import io.s3broker.rest.error.BrokerException;
import io.s3broker.rest.error.ErrorCode;
import io.s3broker.s3.PresignedUrl;
import io.s3broker.s3.UrlPresigner;
import io.smallrye.mutiny.Uni;

/**
 * Signs the S3 requests Uppy 6 makes through {@code signRequest} (POST /s3/sign), under the same rules as the
 * Companion routes ({@link BrowserUploads}): for a new object (PutObject, CreateMultipartUpload) the broker chooses
 * the key under the caller's own prefix and answers it; every other request must name a key of the caller's; a
 * simple upload gets a POST policy that stops at {@code broker.upload.max-size}; part numbers stop at what that size
 * needs; anything else (DeleteObject, GetObject) is refused with 403 OperationNotAllowed. URLs sign {@code host}
 * only: RGW authenticates a CORS preflight by the URL and refuses one that signs more.
 */
@ApplicationScoped
public class RequestSigner {

    /** The S3 requests of an upload that Uppy 6 asks to have signed. */
    enum Operation {
        PUT_OBJECT, CREATE_MULTIPART_UPLOAD, UPLOAD_PART, LIST_PARTS, COMPLETE_MULTIPART_UPLOAD,
        ABORT_MULTIPART_UPLOAD
    }

    private final BrowserUploads uploads;
    private final BrowserInput input;
    private final RequestValidator validate;
    private final UrlPresigner presigner;
    private final Audit audit;

    public RequestSigner(BrowserUploads uploads, BrowserInput input, RequestValidator validate, UrlPresigner presigner,
            Audit audit) {
        this.uploads = uploads;
        this.input = input;
        this.validate = validate;
        this.presigner = presigner;
        this.audit = audit;
    }

    /** Signs the request {@code body} (a {@code PresignableRequest}) names; 404 while browser uploads are off. */
    public Uni<SignedRequest> sign(Caller caller, String body) {
        String bucket = uploads.bucket();
        SignRequest request = input.body(body, SignRequest.class);
        Operation operation = operation(request);
        if (operation == null) {
            audit.denied(caller, "sign", bucket, request.key(), request.method() + " is not a request of an upload");
            throw new BrokerException(ErrorCode.OPERATION_NOT_ALLOWED, "Only the requests of an upload are signed"
                    + " (PutObject, CreateMultipartUpload, UploadPart, ListParts, CompleteMultipartUpload,"
                    + " AbortMultipartUpload), not " + request.method() + " of an object");
        }
        return switch (operation) {
            case PUT_OBJECT -> putObject(caller, request);
            case CREATE_MULTIPART_UPLOAD -> createMultipartUpload(caller, request);
            case UPLOAD_PART -> uploadPart(caller, request);
            case LIST_PARTS -> onUpload(caller, request, "sign-list", "GET");
            case COMPLETE_MULTIPART_UPLOAD -> onUpload(caller, request, "sign-complete", "POST");
            case ABORT_MULTIPART_UPLOAD -> onUpload(caller, request, "sign-abort", "DELETE");
        };
    }

    /** Which request {@code request} is, as Uppy's S3 client tells them apart; null for one not of an upload. */
    static Operation operation(SignRequest request) {
        boolean onUpload = request.uploadId() != null;
        if (request.partNumber() != null && !(onUpload && "PUT".equals(request.method()))) {
            throw BrokerException.invalid("partNumber", "only an UploadPart (PUT with an uploadId) has one");
        }
        return switch (request.method()) {
            case "PUT" -> !onUpload ? Operation.PUT_OBJECT : partOf(request);
            case "POST" -> onUpload ? Operation.COMPLETE_MULTIPART_UPLOAD : Operation.CREATE_MULTIPART_UPLOAD;
            case "GET" -> onUpload ? Operation.LIST_PARTS : null;
            case "DELETE" -> onUpload ? Operation.ABORT_MULTIPART_UPLOAD : null;
            default -> throw new IllegalStateException("validated: " + request.method());
        };
    }

    private static Operation partOf(SignRequest request) {
        if (request.partNumber() == null) {
            throw BrokerException.missing("partNumber");
        }
        return Operation.UPLOAD_PART;
    }

    /** A POST policy: S3 itself refuses another key or type, or more than {@code broker.upload.max-size}. */
    private Uni<SignedRequest> putObject(Caller caller, SignRequest request) {
        var contentType = validate.contentType(request.contentType());
        BrowserUploads.NewObject upload = uploads.newObject(caller, "sign-put", BrowserInput.filename("key",
                request.key()));
        return uploads.postPolicy(upload, "sign-put", contentType)
                .map(post -> new SignedRequest(post.url(), upload.object().key(), post.fields(), null));
    }

    /** The browser sends its Content-Type itself; the ACL, when uploads set one, goes as a header it sends. */
    private Uni<SignedRequest> createMultipartUpload(Caller caller, SignRequest request) {
        BrowserUploads.NewObject upload = uploads.newObject(caller, "sign-create", BrowserInput.filename("key",
                request.key()));
        return uploads.signer(upload.scope()).map(signer -> {
            PresignedUrl url = presigner.presignOperation("POST", upload.object(), Map.of("uploads", ""), signer,
                    uploads.expiry());
            audit.granted(caller, "sign-create", upload.object().bucket(), upload.object().key(), url.expiresAt(),
                    signer.credentials().accessKeyId());
            return new SignedRequest(url.url(), upload.object().key(), null,
                    uploads.acl().map(acl -> Map.of("x-amz-acl", acl)).orElse(null));
        });
    }

    private Uni<SignedRequest> uploadPart(Caller caller, SignRequest request) {
        BrowserUploads.Owned upload = uploads.owned(caller, "sign-part", request.uploadId(), request.key());
        if (request.partNumber() > input.maxPartNumber) {
            throw input.badPartNumber("partNumber");
        }
        return uploads.signParts(upload, List.of(request.partNumber()), "sign-part")
                .map(urls -> new SignedRequest(urls.get(0).url(), null, null, null));
    }

    /** ListParts, CompleteMultipartUpload or AbortMultipartUpload of an upload of the caller's key. */
    private Uni<SignedRequest> onUpload(Caller caller, SignRequest request, String action, String method) {
        BrowserUploads.Owned upload = uploads.owned(caller, action, request.uploadId(), request.key());
        return uploads.signer(upload.scope()).map(signer -> {
            PresignedUrl url = presigner.presignOperation(method, upload.object(),
                    Map.of("uploadId", upload.uploadId()), signer, uploads.expiry());
            audit.granted(caller, action, upload.object().bucket(), upload.object().key(), url.expiresAt(),
                    signer.credentials().accessKeyId());
            return new SignedRequest(url.url(), null, null, null);
        });
    }
}
