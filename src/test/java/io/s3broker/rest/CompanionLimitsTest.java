package io.s3broker.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.s3broker.testing.BrowserApiConfig;
import io.s3broker.testing.LocalS3Sts;
import io.s3broker.testing.LocalS3StsResource;
import io.s3broker.testing.S3Post;

/**
 * broker.upload.max-size holds for browser uploads too, at S3 itself where it can: a simple upload's POST policy
 * carries the size range (RGW refuses a larger file) and the exact key (RGW refuses another); a multipart upload's
 * part numbers stop at what max-size can need, and completing one whose parts add up to more aborts it: 413, nothing
 * stored, nothing left open.
 */
@QuarkusTest
@TestProfile(CompanionLimitsTest.Limits.class)
@WithTestResource(LocalS3StsResource.class)
class CompanionLimitsTest {

    static final long MAX = 6L << 20;
    static final int MiB = 1 << 20;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    public static class Limits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return BrowserApiConfig.with("broker.access.write", LocalS3Sts.bucket() + "/uploads/{caller}/",
                    "broker.upload.max-size", "6M");
        }
    }

    static ExtractableResponse<Response> params() {
        return given().queryParam("filename", "f.bin").when().get("/s3/params").then().statusCode(200).extract();
    }

    static boolean stored(String key) {
        return LocalS3Sts.admin().headObject(h -> h.bucket(LocalS3Sts.bucket()).key(key))
                .handle((ok, error) -> error == null).join();
    }

    static List<String> open(String key) {
        return LocalS3Sts.admin().listMultipartUploads(l -> l.bucket(LocalS3Sts.bucket()).prefix(key)).join()
                .uploads().stream().map(u -> u.uploadId()).toList();
    }

    @Test
    void rgwRefusesASimpleUploadOverTheMaxSize() {
        ExtractableResponse<Response> over = params();
        Map<String, String> fields = over.jsonPath().getMap("fields", String.class, String.class);
        HttpResponse<String> refused = S3Post.send(over.path("url"), fields, new byte[(int) MAX + 1]);
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("EntityTooLarge"), refused.body());
        assertTrue(!stored(fields.get("key")), "nothing stored");

        ExtractableResponse<Response> exact = params();
        Map<String, String> exactFields = exact.jsonPath().getMap("fields", String.class, String.class);
        HttpResponse<String> taken = S3Post.send(exact.path("url"), exactFields, new byte[(int) MAX]);
        assertEquals(204, taken.statusCode(), taken.body());
        assertEquals(MAX, LocalS3Sts.admin().headObject(h -> h.bucket(LocalS3Sts.bucket()).key(exactFields.get("key")))
                .join().contentLength());
    }

    @Test
    void rgwRefusesAFormForAnotherKey() {
        ExtractableResponse<Response> params = params();
        Map<String, String> fields = new HashMap<>(params.jsonPath().getMap("fields", String.class, String.class));
        String other = fields.get("key").replace("uploads/test/", "uploads/other/");
        fields.put("key", other);
        HttpResponse<String> refused = S3Post.send(params.path("url"), fields, new byte[10]);
        assertEquals(403, refused.statusCode(), refused.body());
        assertTrue(!stored(other), "nothing stored under another caller's prefix");
    }

    @Test
    void partNumbersStopAtWhatTheMaxSizeCanNeed() {
        String[] upload = create();
        given().queryParam("key", upload[0]).when().get("/s3/multipart/{id}/{n}", upload[1], 2).then().statusCode(200);
        given().queryParam("key", upload[0]).when().get("/s3/multipart/{id}/{n}", upload[1], 3)
                .then().statusCode(400).body("error.code", equalTo("InvalidParameter"))
                .body("error.message", containsString("1 to 2"));
        given().queryParam("key", upload[0]).queryParam("partNumbers", "1,2,3")
                .when().get("/s3/multipart/{id}/batch", upload[1]).then().statusCode(400);
        given().queryParam("key", upload[0]).contentType(ContentType.JSON)
                .body("{\"parts\":[{\"PartNumber\":3,\"ETag\":\"x\"}]}")
                .when().post("/s3/multipart/{id}/complete", upload[1]).then().statusCode(400);
        abort(upload);
    }

    @Test
    void completingPartsOverTheMaxSizeAbortsTheUpload() throws Exception {
        String[] upload = create();
        String etag1 = putPart(upload, 1, 5 * MiB);
        String etag2 = putPart(upload, 2, 2 * MiB);
        given().queryParam("key", upload[0]).contentType(ContentType.JSON)
                .body("{\"parts\":[{\"PartNumber\":1,\"ETag\":" + quoted(etag1) + "},{\"PartNumber\":2,\"ETag\":"
                        + quoted(etag2) + "}]}")
                .when().post("/s3/multipart/{id}/complete", upload[1])
                .then().statusCode(413).body("error.code", equalTo("PayloadTooLarge"))
                .body("error.message", containsString((7L << 20) + " bytes"));
        assertTrue(!stored(upload[0]), "nothing stored");
        assertEquals(List.of(), open(upload[0]), "nothing left open");
    }

    @Test
    void completingPartsUpToTheMaxSizeStoresTheObject() throws Exception {
        String[] upload = create();
        String etag1 = putPart(upload, 1, 5 * MiB);
        String etag2 = putPart(upload, 2, MiB);
        // An ETag that is not the one S3 holds is refused before anything is assembled, and the upload stays.
        given().queryParam("key", upload[0]).contentType(ContentType.JSON)
                .body("{\"parts\":[{\"PartNumber\":1,\"ETag\":" + quoted(etag1) + "},{\"PartNumber\":2,\"ETag\":"
                        + quoted(etag1) + "}]}")
                .when().post("/s3/multipart/{id}/complete", upload[1]).then().statusCode(400);
        assertEquals(List.of(upload[1]), open(upload[0]));
        given().queryParam("key", upload[0]).contentType(ContentType.JSON)
                .body("{\"parts\":[{\"PartNumber\":1,\"ETag\":" + quoted(etag1) + "},{\"PartNumber\":2,\"ETag\":"
                        + quoted(etag2) + "}]}")
                .when().post("/s3/multipart/{id}/complete", upload[1]).then().statusCode(200);
        assertEquals(MAX, LocalS3Sts.admin().headObject(h -> h.bucket(LocalS3Sts.bucket()).key(upload[0])).join()
                .contentLength());
    }

    static String[] create() {
        ExtractableResponse<Response> created = given().contentType(ContentType.JSON)
                .body("{\"filename\":\"big.bin\",\"type\":\"application/octet-stream\"}")
                .when().post("/s3/multipart").then().statusCode(200).extract();
        return new String[] { created.path("key"), created.path("uploadId") };
    }

    static void abort(String[] upload) {
        given().queryParam("key", upload[0]).when().delete("/s3/multipart/{id}", upload[1]).then().statusCode(200);
    }

    static String putPart(String[] upload, int number, int size) throws Exception {
        String url = given().queryParam("key", upload[0]).when().get("/s3/multipart/{id}/{n}", upload[1], number)
                .then().statusCode(200).extract().path("url");
        HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[size])).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
        return put.headers().firstValue("ETag").orElseThrow();
    }

    static String quoted(String etag) {
        return "\"" + etag.replace("\"", "\\\"") + "\"";
    }
}
