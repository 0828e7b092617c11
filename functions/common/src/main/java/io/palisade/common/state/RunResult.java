package io.palisade.common.state;

/**
 * The phase's output, under {@code report} in the payload.
 *
 * @param drift     a plan-only run that found changes (drift, or a plan with something to do)
 * @param stored    whether both report objects were written ({@code reason} says why not)
 * @param recorded  whether the state record's history has this run's entry with its counts
 * @param subject   the SNS subject: at most 100 printable ASCII characters
 * @param digest    the SNS message: a summary line, the change lines (capped), where the report is
 */
public record RunResult(String status, String mode, boolean repair, int add, int change, int remove, int total,
        boolean drift, String bucket, String jsonKey, String markdownKey, boolean stored,
        boolean recorded, String reason, String subject, String digest) {}
