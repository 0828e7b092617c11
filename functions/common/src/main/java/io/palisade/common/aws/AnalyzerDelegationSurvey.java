package io.palisade.common.aws;

import io.palisade.common.Names;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.DelegatedAdministrator;
import software.amazon.awssdk.services.organizations.model.EnabledServicePrincipal;

/**
 * The organization's side of its IAM Access Analyzer, read from the management account: is trusted
 * access for {@code access-analyzer.amazonaws.com} on, and is the identity account (InfoSec) the
 * service's delegated administrator, so that InfoSec can make the organization's analyzer
 * (ApplyIdentityAccount does, as the temp-admin). Only reads ({@code ListAWSServiceAccessForOrganization},
 * {@code ListDelegatedAdministrators}): a plan uses it alone ({@link AnalyzerDelegation} makes the
 * changes), so the plan phase reaches no changing call (FunctionPermissionsTest).
 */
public class AnalyzerDelegationSurvey {
    public static final String TRUSTED_ACCESS = "organizations:trusted-access";
    public static final String DELEGATED_ADMINISTRATOR = "organizations:delegated-administrator";

    final OrganizationsClient organizations;

    /** @param organizations the management account's */
    public AnalyzerDelegationSurvey(OrganizationsClient organizations) {
        this.organizations = organizations;
    }

    /** Everything an organization that does not exist yet needs. */
    public static List<Change> all(String identityKey) {
        return List.of(Change.create(TRUSTED_ACCESS, Names.ACCESS_ANALYZER_PRINCIPAL),
                Change.create(DELEGATED_ADMINISTRATOR, delegation(identityKey)));
    }

    /**
     * What is missing; changes nothing: {@code + organizations:trusted-access access-analyzer.amazonaws.com},
     * {@code + organizations:delegated-administrator access-analyzer.amazonaws.com/<identity key>}, or, when
     * another account is the delegated administrator, {@code ~ ... account: expected <id> actual [<ids>]}.
     *
     * @param identityId  the identity account's id, {@code null} while it is being created
     * @param identityKey its config key, which names the change
     */
    public List<Change> changes(String identityId, String identityKey) {
        List<Change> changes = new ArrayList<>();
        if (!trusted()) {
            changes.add(Change.create(TRUSTED_ACCESS, Names.ACCESS_ANALYZER_PRINCIPAL));
        }
        // read even before trusted access: an administrator left from an earlier enablement still counts
        List<String> registered = delegatedAdministrators();
        if (identityId != null && registered.contains(identityId)) {
            return changes;
        }
        changes.add(registered.isEmpty() ? Change.create(DELEGATED_ADMINISTRATOR, delegation(identityKey))
                : Change.update(null, DELEGATED_ADMINISTRATOR, Names.ACCESS_ANALYZER_PRINCIPAL, "account",
                        identityId == null ? identityKey : identityId, registered));
        return changes;
    }

    /** The resource name of the registration: {@code access-analyzer.amazonaws.com/<identity key>}. */
    static String delegation(String identityKey) {
        return Names.ACCESS_ANALYZER_PRINCIPAL + "/" + identityKey;
    }

    boolean trusted() {
        List<EnabledServicePrincipal> enabled = new ArrayList<>();
        organizations.listAWSServiceAccessForOrganizationPaginator(r -> {})
                .forEach(page -> enabled.addAll(page.enabledServicePrincipals()));
        return enabled.stream().anyMatch(p -> Names.ACCESS_ANALYZER_PRINCIPAL.equals(p.servicePrincipal()));
    }

    /** The accounts registered as Access Analyzer's delegated administrator (at most one on AWS). */
    List<String> delegatedAdministrators() {
        List<String> ids = new ArrayList<>();
        organizations.listDelegatedAdministratorsPaginator(r -> r.servicePrincipal(Names.ACCESS_ANALYZER_PRINCIPAL))
                .forEach(page -> page.delegatedAdministrators().stream().map(DelegatedAdministrator::id)
                        .forEach(ids::add));
        return ids;
    }
}
