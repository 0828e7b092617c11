package io.palisade.createaccounts;

import io.palisade.common.aws.Change;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.securityhub.SecurityHubClient;
import software.amazon.awssdk.services.securityhub.model.ResourceConflictException;
import software.amazon.awssdk.services.securityhub.model.ResourceNotFoundException;

/**
 * Makes what {@link SecurityHubSurvey} finds missing: the management account's hub, then the
 * identity account designated as Security Hub's administrator (another administrator replaced).
 */
public final class SecurityHubAdmin extends SecurityHubSurvey {
    private static final Logger LOG = LoggerFactory.getLogger(SecurityHubAdmin.class);

    public SecurityHubAdmin(Function<OrgConfig, SecurityHubClient> clients) {
        super(clients);
    }

    /** With the function's own credentials, in the config's home region. */
    public static SecurityHubAdmin changing(Clients clients) {
        return new SecurityHubAdmin(own(clients));
    }

    /**
     * Makes {@link #changes} come true, the hub first; the identity account must exist (an
     * organization account). Returns the changes made.
     */
    public List<Change> apply(OrgConfig config, Change.Account management, Change.Account identity) {
        SecurityHubClient securityHub = clients.apply(config);
        List<Change> changes = changes(config, management, identity);
        for (Change change : changes) {
            LOG.info("Security Hub: {}", change.render());
            Runnable designate = alreadyDoneOnConflict(
                    () -> securityHub.enableOrganizationAdminAccount(r -> r.adminAccountId(identity.id())));
            switch (change.action()) {
                case CREATE -> ChangeExecutor.create(change, alreadyDoneOnConflict(switch (change.resourceType()) {
                    case HUB -> () -> securityHub.enableSecurityHub(r -> r.enableDefaultStandards(false));
                    case ADMIN -> designate;
                    default -> throw new IllegalStateException("no call for " + change.render());
                }));
                case UPDATE -> ChangeExecutor.update(change, () -> {
                    @SuppressWarnings("unchecked")
                    List<String> others = (List<String>) change.actual();
                    for (String other : others) {
                        try {
                            securityHub.disableOrganizationAdminAccount(r -> r.adminAccountId(other));
                        } catch (ResourceNotFoundException gone) {
                            // removed already (a lost answer's first attempt): done
                        }
                    }
                    designate.run();
                });
                default -> throw new IllegalStateException("no call for " + change.render());
            }
        }
        return changes;
    }

    /**
     * Security Hub answers a repeated enable with {@code ResourceConflictException} ("already
     * subscribed"): after a lost answer, the first attempt's work is done.
     */
    static Runnable alreadyDoneOnConflict(Runnable call) {
        return () -> {
            try {
                call.run();
            } catch (ResourceConflictException done) {
                LOG.info("Security Hub: already done ({})", done.getMessage());
            }
        };
    }
}
