package io.palisade.common.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * One JSON line per event: {@code timestamp}, {@code level}, {@code service}, {@code logger},
 * {@code message}, the MDC (the Lambda request id and function name, set by
 * {@link io.palisade.common.PhaseHandler}) and, for a throwable, {@code error}.
 */
final class JsonLogger extends AbstractLogger {
    private static final JsonFactory JSON = new JsonFactory();
    private static final Set<String> BOOLEANS = Set.of("cold_start");
    private final Level threshold;
    private final String service;
    private final PrintStream out;

    JsonLogger(String name, Level threshold, String service, PrintStream out) {
        this.name = name;
        this.threshold = threshold;
        this.service = service;
        this.out = out;
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold.toInt();
    }

    @Override public boolean isTraceEnabled() { return enabled(Level.TRACE); }
    @Override public boolean isTraceEnabled(Marker marker) { return enabled(Level.TRACE); }
    @Override public boolean isDebugEnabled() { return enabled(Level.DEBUG); }
    @Override public boolean isDebugEnabled(Marker marker) { return enabled(Level.DEBUG); }
    @Override public boolean isInfoEnabled() { return enabled(Level.INFO); }
    @Override public boolean isInfoEnabled(Marker marker) { return enabled(Level.INFO); }
    @Override public boolean isWarnEnabled() { return enabled(Level.WARN); }
    @Override public boolean isWarnEnabled(Marker marker) { return enabled(Level.WARN); }
    @Override public boolean isErrorEnabled() { return enabled(Level.ERROR); }
    @Override public boolean isErrorEnabled(Marker marker) { return enabled(Level.ERROR); }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
            Throwable throwable) {
        String line = line(level, MessageFormatter.basicArrayFormat(pattern, args), throwable);
        // one println per event: a line is never interleaved with another thread's
        out.println(line);
    }

    String line(Level level, String message, Throwable throwable) {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(text)) {
            json.writeStartObject();
            json.writeStringField("timestamp", Instant.now().toString());
            json.writeStringField("level", level.name());
            json.writeStringField("service", service);
            json.writeStringField("logger", name);
            json.writeStringField("message", message);
            Map<String, String> context = MDC.getCopyOfContextMap();
            if (context != null) {
                for (Map.Entry<String, String> e : new TreeMap<>(context).entrySet()) {
                    if (BOOLEANS.contains(e.getKey())) {
                        // as Powertools wrote it: a JSON boolean (the MDC holds strings only)
                        json.writeBooleanField(e.getKey(), Boolean.parseBoolean(e.getValue()));
                    } else {
                        json.writeStringField(e.getKey(), e.getValue());
                    }
                }
            }
            if (throwable != null) {
                StringWriter stack = new StringWriter();
                throwable.printStackTrace(new PrintWriter(stack));
                json.writeObjectFieldStart("error");
                json.writeStringField("name", throwable.getClass().getName());
                json.writeStringField("message", String.valueOf(throwable.getMessage()));
                json.writeStringField("stack", stack.toString());
                json.writeEndObject();
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }
}
