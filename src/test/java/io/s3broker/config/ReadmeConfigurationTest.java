package io.s3broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Every setting of {@link BrokerConfig} has its row in the README's configuration table, under its key and its
 * environment variable: the interface is walked, not a list kept by hand.
 */
class ReadmeConfigurationTest {

    @Test
    void everySettingHasARowWithItsKeyAndEnvironmentVariable() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<String> missing = new ArrayList<>();
        for (String key : keys(BrokerConfig.class, "broker")) {
            if (key.contains(".callers.")) {
                // Per-caller lists have no environment variable: one row names them together.
                if (!readme.contains("| broker.access.callers.\"NAME\".read, .write |")) {
                    missing.add(key);
                }
                continue;
            }
            String env = key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
            if (!readme.contains("| " + key + " | " + env + " |")) {
                missing.add(key);
            }
        }
        assertEquals(List.of(), missing, "settings without a row '| key | ENV |' in README.md");
    }

    /** The keys under {@code prefix}: a method's name in kebab case, a nested group or map of groups walked. */
    static List<String> keys(Class<?> group, String prefix) {
        List<String> keys = new ArrayList<>();
        for (Method method : group.getDeclaredMethods()) {
            if (method.isDefault() || java.lang.reflect.Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            String key = prefix + "." + kebab(method.getName());
            Class<?> type = method.getReturnType();
            if (isGroup(type)) {
                keys.addAll(keys(type, key));
            } else if (type == Map.class && method.getGenericReturnType() instanceof ParameterizedType map
                    && map.getActualTypeArguments()[1] instanceof Class<?> value && isGroup(value)) {
                keys.addAll(keys(value, key + ".\"NAME\""));
            } else {
                keys.add(key);
            }
        }
        return keys;
    }

    private static boolean isGroup(Type type) {
        return type instanceof Class<?> c && c.isInterface()
                && c.getPackageName().equals(BrokerConfig.class.getPackageName());
    }

    private static String kebab(String name) {
        return name.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
    }
}
