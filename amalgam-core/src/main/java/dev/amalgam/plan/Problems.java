package dev.amalgam.plan;

import dev.amalgam.error.AmalgamException;
import dev.amalgam.error.BadInputException;
import dev.amalgam.error.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Problems found while checking a recipe, collected so that the user sees all of them at once instead of one
 * per run. Thrown as a recipe error (exit 2) unless every problem is about bad model files (exit 3).
 */
final class Problems {
    private final Set<String> messages = new LinkedHashSet<>();
    private boolean anyConfig;

    void config(String message) {
        messages.add(message);
        anyConfig = true;
    }

    void add(AmalgamException e) {
        messages.add(e.getMessage());
        if (!(e instanceof BadInputException)) {
            anyConfig = true;
        }
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    void throwIfAny() {
        if (messages.isEmpty()) {
            return;
        }
        List<String> list = new ArrayList<>(messages);
        String text = list.size() == 1 ? list.get(0)
                : list.size() + " problems:\n- " + String.join("\n- ", list.stream()
                        .map(m -> m.replace("\n", "\n  ")).toList());
        throw anyConfig ? new ConfigException(text) : new BadInputException(text);
    }
}
