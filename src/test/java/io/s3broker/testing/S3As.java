package io.s3broker.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** S3 at the local gateway as someone holding {@code credentials}: an SDK client, a presigner, and plain HTTP. */
public final class S3As {

    public static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private S3As() {
    }

    public static S3AsyncClient client(AwsCredentials credentials) {
        return S3AsyncClient.builder()
                .endpointOverride(URI.create(LocalS3Sts.get("LOCAL_S3STS_ENDPOINT")))
                .region(Region.of(LocalS3Sts.get("BROKER_REGION")))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .build();
    }

    public static S3Presigner presigner(AwsCredentials credentials) {
        return S3Presigner.builder()
                .endpointOverride(URI.create(LocalS3Sts.get("LOCAL_S3STS_ENDPOINT")))
                .region(Region.of(LocalS3Sts.get("BROKER_REGION")))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .build();
    }

    public static URI presignedGet(AwsCredentials credentials, String bucket, String key) {
        try (S3Presigner presigner = presigner(credentials)) {
            return URI.create(presigner.presignGetObject(r -> r.signatureDuration(Duration.ofMinutes(5))
                    .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toString());
        }
    }

    public static URI presignedPut(AwsCredentials credentials, String bucket, String key) {
        try (S3Presigner presigner = presigner(credentials)) {
            return URI.create(presigner.presignPutObject(r -> r.signatureDuration(Duration.ofMinutes(5))
                    .putObjectRequest(p -> p.bucket(bucket).key(key))).url().toString());
        }
    }

    public static HttpResponse<String> httpGet(URI url) {
        return send(HttpRequest.newBuilder(url).GET().build());
    }

    public static HttpResponse<String> httpPut(URI url, String body) {
        return send(HttpRequest.newBuilder(url).PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The HTTP status S3 answered {@code call} with: 200 when it succeeded. */
    public static int status(Supplier<CompletableFuture<?>> call) {
        try {
            call.get().get();
            return 200;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SdkServiceException service) {
                return service.statusCode();
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
