package io.s3broker.nativeimage;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.s3broker.browser.BrowserAnswers;
import io.s3broker.browser.BrowserRequests;
import io.s3broker.rest.CredentialsResource;
import io.s3broker.rest.PresignedItem;
import io.s3broker.rest.PresignedUpload;
import io.s3broker.rest.UploadResponse;
import io.s3broker.rest.error.ErrorResponse;

/**
 * What a native executable needs registered by hand: everything reached only through reflection that Quarkus
 * cannot see from the application's code. Holds no code; the JVM build ignores it. (The resources that go with
 * these classes are listed under {@code quarkus.native.resources.includes} in application.properties.)
 */
public final class NativeRegistrations {

    private NativeRegistrations() {
    }

    /**
     * Every record Jackson writes or reads. Quarkus REST registers the types that resource methods return by
     * themselves, but not entities built into a {@code Response} (all error bodies), nested types, nor what the
     * upload routes write with their own ObjectMapper, nor the browser API's bodies, which it reads with its own
     * reader. Add every new JSON record of io.s3broker.rest and io.s3broker.browser here; NativeRegistrationsTest
     * fails until it is.
     */
    @RegisterForReflection(targets = { PresignedItem.class, PresignedUpload.class, UploadResponse.class,
            CredentialsResource.VendedCredentials.class, CredentialsResource.VendedScope.class,
            BrowserAnswers.UploadParameters.class, BrowserAnswers.CreatedUpload.class,
            BrowserAnswers.UploadedPart.class, BrowserAnswers.PresignedPart.class,
            BrowserAnswers.PresignedParts.class, BrowserAnswers.CompletedUpload.class,
            BrowserAnswers.SessionCredentials.class, BrowserAnswers.TemporaryCredentials.class,
            BrowserAnswers.SignedRequest.class, BrowserRequests.NewUpload.class, BrowserRequests.CompleteUpload.class,
            BrowserRequests.PartEntry.class, BrowserRequests.SignRequest.class,
            ErrorResponse.class, ErrorResponse.Detail.class })
    static final class JsonTypes {
    }

    /**
     * The AWS SDK's own reflection. Its jars bring native-image metadata for most of it (the Netty and Apache5
     * HTTP services, StsWebIdentityCredentialsProviderFactory); what is missing there:
     * <ul>
     * <li>the JDK's StAX factories, which {@code XMLInputFactory.newInstance()} loads by name: STS (query
     * protocol) and S3 (XML protocol) parse every answer with them;</li>
     * <li>StsProfileCredentialsProviderFactory, which the profile credentials provider loads by name for a
     * profile with {@code role_arn} (the web identity one, for IRSA, is registered by the sts jar);</li>
     * <li>the HTTP services the SDK finds with ServiceLoader when a client is built without an explicit HTTP
     * client: the STS client inside the web identity (IRSA) provider uses the sync Apache5 client.</li>
     * </ul>
     */
    @RegisterForReflection(methods = true, fields = false, classNames = {
            "com.sun.xml.internal.stream.XMLInputFactoryImpl",
            "com.sun.xml.internal.stream.XMLOutputFactoryImpl",
            "software.amazon.awssdk.services.sts.internal.StsProfileCredentialsProviderFactory",
            "software.amazon.awssdk.services.sts.internal.StsWebIdentityCredentialsProviderFactory",
            "software.amazon.awssdk.http.apache5.Apache5SdkHttpService",
            "software.amazon.awssdk.http.nio.netty.NettySdkAsyncHttpService" })
    static final class AwsSdk {
    }

    /**
     * The field of Vert.x's server that holds the listening channel, read by reflection by the header timeout
     * (io.s3broker.http.HeaderTimeout, docs/decisions/0023-header-timeout.md).
     */
    @RegisterForReflection(fields = true, methods = false, classNames = "io.vertx.core.net.impl.TCPServerBase")
    static final class VertxServer {
    }
}
