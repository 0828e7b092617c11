package io.palisade.common.aws;

import io.palisade.common.Names;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AccountAlreadyRegisteredException;

/**
 * Makes what {@link AnalyzerDelegationSurvey} finds missing, from the management account: trusted
 * access for {@code access-analyzer.amazonaws.com}, then the identity account registered as the
 * service's delegated administrator, each only when missing. A lost answer's first attempt is
 * done: "already registered" ({@code AccountAlreadyRegisteredException}) is
 * {@link AwsErrors#alreadyExists}, and enabling trusted access twice is no error. Another account
 * registered for the service is drift: it is deregistered (Access Analyzer allows one delegated
 * administrator) and the identity account registered.
 *
 * <p>Used by CreateAccounts (every changing run) and AwaitAccounts (on the poll that finds the
 * accounts ready: on AWS a new identity account has no id yet when CreateAccounts runs).
 */
public final class AnalyzerDelegation extends AnalyzerDelegationSurvey {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyzerDelegation.class);

    public AnalyzerDelegation(OrganizationsClient organizations) {
        super(organizations);
    }

    /**
     * Makes what is missing and returns the changes made. Without an identity id yet (the account is
     * being created) only trusted access is enabled; the registration waits for the ready poll.
     */
    public List<Change> apply(String identityId, String identityKey) {
        List<Change> made = new ArrayList<>();
        for (Change change : changes(identityId, identityKey)) {
            if (change.resourceType().equals(TRUSTED_ACCESS)) {
                LOG.info("Access Analyzer: {}", change.render());
                ChangeExecutor.apply(change, () -> organizations.enableAWSServiceAccess(r -> r
                        .servicePrincipal(Names.ACCESS_ANALYZER_PRINCIPAL)));
            } else if (identityId == null) {
                LOG.info("Access Analyzer: {} waits until account {} has an id", change.render(), identityKey);
                continue;
            } else {
                LOG.info("Access Analyzer: {}", change.render());
                ChangeExecutor.apply(change, () -> register(identityId));
            }
            made.add(change);
        }
        return made;
    }

    private void register(String identityId) {
        for (String other : delegatedAdministrators()) {
            if (!other.equals(identityId)) {
                LOG.info("Deregistering {} as delegated administrator of {}", other, Names.ACCESS_ANALYZER_PRINCIPAL);
                ChangeExecutor.remove(Change.remove(DELEGATED_ADMINISTRATOR, Names.ACCESS_ANALYZER_PRINCIPAL + "/"
                        + other), () -> organizations.deregisterDelegatedAdministrator(r -> r.accountId(other)
                        .servicePrincipal(Names.ACCESS_ANALYZER_PRINCIPAL)));
            }
        }
        try {
            organizations.registerDelegatedAdministrator(r -> r.accountId(identityId)
                    .servicePrincipal(Names.ACCESS_ANALYZER_PRINCIPAL));
        } catch (AccountAlreadyRegisteredException done) {
            // a lost answer's first attempt registered it: what this wants. Here and not in ChangeExecutor,
            // which takes "already exists" as done only for a create, and moving the delegation is an update
        }
    }
}
