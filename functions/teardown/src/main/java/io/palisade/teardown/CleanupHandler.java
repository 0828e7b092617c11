package io.palisade.teardown;

import io.palisade.common.state.TeardownReport;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.Clients;
import io.palisade.common.errors.CleanupIncompleteException;
import io.palisade.common.errors.TransientAwsException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * Lambda entry point of the cleanup after an execution that ended where no Catch runs:
 * stopped by hand (ABORTED), TIMED_OUT, or FAILED (a {@code States.Runtime} or
 * {@code States.DataLimitExceeded} error skips every Catch). An EventBridge rule on the state
 * machine's "Step Functions Execution Status Change" events invokes it. For the run that still
 * holds the lock it removes the temp-admin, its keys, its secret and the bootstrap roles, ends
 * the run in the state record and releases the lock; for any other run (one whose in-machine
 * compensation already did all that, or that never held the lock) it touches nothing. It tells
 * the run topic what it did, or what is left.
 */
public final class CleanupHandler extends PhaseHandler<CleanupHandler.Event, TeardownReport> {
    private static final Logger LOG = LoggerFactory.getLogger(CleanupHandler.class);

    /** The EventBridge event; only what the cleanup reads. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Event(@JsonProperty("detail-type") String detailType, Detail detail) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Detail(String executionArn, String stateMachineArn, String name, String status, String error,
                         String cause) {}

    private final Teardown teardown;
    private final SnsClient sns;
    private final String topicArn;

    public CleanupHandler() {
        this(Clients.fromEnvironment());
    }

    private CleanupHandler(Clients clients) {
        this(new Teardown(clients, clients.build(SecretsManagerClient.builder()),
                        clients.build(OrganizationsClient.builder())),
                clients.control(SnsClient.builder()), System.getenv("PALISADE_RUN_TOPIC_ARN"));
    }

    CleanupHandler(Teardown teardown, SnsClient sns, String topicArn) {
        super(Event.class);
        this.teardown = teardown;
        this.sns = sns;
        this.topicArn = topicArn;
    }

    @Override
    protected TeardownReport handle(Event event) {
        Detail d = event.detail();
        if (d == null || d.name() == null || "RUNNING".equals(d.status()) || "SUCCEEDED".equals(d.status())) {
            return new TeardownReport(d == null ? null : d.status(), null, null, List.of(), List.of());
        }
        String error = d.error() != null ? d.error() : "States." + d.status();
        Teardown.Outcome outcome = new Teardown.Outcome(d.status(), "execution " + d.status(), error,
                d.cause() == null ? "the execution ended " + d.status() + " outside any Catch" : d.cause());
        TeardownReport report;
        try {
            report = teardown.cleanUp(d.name(), outcome);
        } catch (CleanupIncompleteException | TransientAwsException e) {
            notify("Palisade run " + d.name() + " ended " + d.status() + ": CLEANUP INCOMPLETE",
                    e.getMessage() + "\nThe run has ended and released its lock; the next run removes what is "
                            + "left (the same fixed names) and replaces any key it finds.");
            throw e;
        }
        if (!report.removed().isEmpty()) {
            notify("Palisade run " + d.name() + " ended " + d.status() + ": cleaned up",
                    "Removed after the execution ended " + d.status() + ": " + String.join("; ", report.removed()));
        }
        LOG.info("Cleanup after {} ({}): removed {}", d.name(), d.status(), report.removed());
        return report;
    }

    private void notify(String subject, String message) {
        if (topicArn == null || topicArn.isBlank()) {
            return;
        }
        try {
            sns.publish(r -> r.topicArn(topicArn).subject(subject.length() > 99 ? subject.substring(0, 99) : subject)
                    .message(message));
        } catch (RuntimeException e) {
            LOG.warn("Could not notify {}: {}", topicArn, e.getMessage());
        }
    }
}
