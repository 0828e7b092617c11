package io.palisade.common.logging;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Loggers by name. Levels: {@code PALISADE_LOG_LEVEL} (default INFO) for Palisade's own
 * {@code io.palisade} loggers, WARN for libraries (the SDK logs each request at DEBUG).
 */
final class JsonLoggerFactory implements ILoggerFactory {
    private static final String OWN = "io.palisade";
    private final Map<String, JsonLogger> loggers = new ConcurrentHashMap<>();
    private final Level ownLevel;
    private final String service;
    private final PrintStream out;

    JsonLoggerFactory(Map<String, String> env) {
        this(env, System.out);
    }

    JsonLoggerFactory(Map<String, String> env, PrintStream out) {
        this.ownLevel = level(env.get("PALISADE_LOG_LEVEL"), Level.INFO);
        this.service = env.getOrDefault("PALISADE_SERVICE_NAME", "palisade");
        this.out = out;
    }

    @Override
    public Logger getLogger(String name) {
        return loggers.computeIfAbsent(name, n -> new JsonLogger(n,
                n.startsWith(OWN) ? ownLevel : Level.WARN, service, out));
    }

    static Level level(String name, Level fallback) {
        if (name == null || name.isBlank()) {
            return fallback;
        }
        try {
            return Level.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return fallback;
        }
    }
}
