package io.s3broker.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.s3broker.auth.Caller;

/** Whose a key is, read back from the key alone (the sweep of expired resumable uploads has nothing else). */
class UploadKeysTest {

    final UploadKeys keys = new UploadKeys("tus/{caller}/");

    @Test
    void theOwnerOfAKeyIsTheCallerItWasMadeFor() {
        for (String name : List.of("alice", "auth0|123", "..", "a/b", "émile@example.org", "%41")) {
            Caller caller = new Caller(name);
            String key = keys.newKey(caller, "photo.jpg");
            assertEquals(Optional.of(caller), keys.owner(key), key);
        }
    }

    @Test
    void aKeyTheBrokerDidNotMakeHasNoOwner() {
        String id = "0123456789abcdef0123456789abcdef";
        for (String key : List.of("tus/alice/photo.jpg", "tus/alice/" + id, "other/alice/" + id + "-f",
                "tus/%2e%2e/" + id + "-f", "tus/%41/" + id + "-f", "tus/alice/x/" + id + "-f", "tus/" + id + "-f")) {
            assertEquals(Optional.empty(), keys.owner(key), key);
        }
        assertEquals("tus/", keys.commonPrefix());
    }
}
