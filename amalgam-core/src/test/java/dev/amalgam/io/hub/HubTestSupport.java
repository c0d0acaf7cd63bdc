package dev.amalgam.io.hub;

import dev.amalgam.testing.FakeHub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Builds Hub clients that talk only to a {@link FakeHub} and keep everything under a temp folder. */
final class HubTestSupport {
    final FakeHub hub;
    final Path home;
    final List<Duration> waits = new CopyOnWriteArrayList<>();
    final List<String> notices = new CopyOnWriteArrayList<>();
    /** Short, so the stall test is quick; long enough that a loaded machine never trips it by accident. */
    Duration idleTimeout = Duration.ofSeconds(30);

    HubTestSupport(FakeHub hub, Path tmp) {
        this.hub = hub;
        this.home = tmp.resolve("hf-home");
    }

    /** HF_HOME and HF_HUB_CACHE in the temp folder, HF_ENDPOINT at the fake Hub, plus {@code extra}. */
    Map<String, String> env(String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_HOME", home.toString());
        env.put("HF_HUB_CACHE", home.resolve("hub").toString());
        env.put("HF_ENDPOINT", hub.endpoint().toString());
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    /** Retries recorded instead of slept, so 429 and back-off tests take no time. */
    RetryPolicy retry() {
        return new RetryPolicy(4, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(60), idleTimeout,
                waits::add);
    }

    HubHttp http(String... extra) {
        return new HubHttp(HubSettings.fromEnvironment(env(extra)), retry(), notices::add);
    }

    HubModels models(String... extra) {
        return new HubModels(http(extra), 4, TransferListener.NONE, notices::add);
    }

    Path cacheRepo(String repoId) {
        return home.resolve("hub").resolve("models--" + repoId.replace("/", "--"));
    }

    static Map<String, String> map(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
