package dev.amalgam.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** Locates test fixtures copied from the shared golden folder into the test resources. */
public final class TestResources {
    private static Path extracted;

    private TestResources() {
    }

    /**
     * The golden folder. When the fixtures come from the core test-jar (the cli module built with {@code mvn
     * install} or {@code -pl amalgam-cli}) they are unpacked once into a temporary folder, removed at exit.
     */
    public static synchronized Path golden() {
        try {
            var url = TestResources.class.getResource("/golden/README.md");
            if (url == null) {
                throw new IllegalStateException("golden fixtures missing from test resources");
            }
            URI uri = url.toURI();
            if (!"jar".equals(uri.getScheme())) {
                return Path.of(uri).getParent();
            }
            if (extracted == null) {
                extracted = extract(uri);
            }
            return extracted;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path extract(URI readme) throws IOException {
        Path dest = Files.createTempDirectory("amalgam-golden-");
        try (FileSystem zip = FileSystems.newFileSystem(URI.create(readme.toString().split("!")[0]), Map.of());
             Stream<Path> files = Files.walk(zip.getPath("/golden"))) {
            for (Path p : files.toList()) {
                Path target = dest.resolve(zip.getPath("/golden").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> s = Files.walk(dest)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary folder; the OS cleans it eventually
            }
        }));
        return dest;
    }
}
