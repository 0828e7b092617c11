package io.palisade.common.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J backend of every phase: one JSON object per line on stdout, which Lambda sends to
 * CloudWatch Logs as one event. Found by SLF4J through {@code META-INF/services}.
 *
 * <p>Why not Powertools logging: its log4j backend and its serialization module (JMESPath,
 * aws-lambda-java-events, joda-time) weigh about 4.4 MB per artifact for features Palisade does
 * not use (event logging, JMESPath correlation ids, sampling, buffering). This writes the same
 * keys Powertools writes ({@code level}, {@code message}, {@code timestamp}, {@code service},
 * {@code function_request_id}, {@code cold_start}, ...), so log queries keep working.
 */
public final class JsonLogProvider implements SLF4JServiceProvider {
    private final BasicMarkerFactory markers = new BasicMarkerFactory();
    private final BasicMDCAdapter mdc = new BasicMDCAdapter();
    private final JsonLoggerFactory loggers = new JsonLoggerFactory(System.getenv());

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        // nothing to set up: the factory reads its levels from the environment when built
    }
}
