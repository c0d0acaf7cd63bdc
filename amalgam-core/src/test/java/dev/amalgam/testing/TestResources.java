package dev.amalgam.testing;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Locates test fixtures copied from the shared golden folder into the test resources. */
public final class TestResources {
    private TestResources() {
    }

    public static Path golden() {
        try {
            var url = TestResources.class.getResource("/golden/README.md");
            if (url == null) {
                throw new IllegalStateException("golden fixtures missing from test resources");
            }
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
