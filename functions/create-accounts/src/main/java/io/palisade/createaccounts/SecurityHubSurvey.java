package io.palisade.createaccounts;

import io.palisade.common.aws.Change;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import software.amazon.awssdk.services.securityhub.SecurityHubClient;
import software.amazon.awssdk.services.securityhub.model.AdminAccount;
import software.amazon.awssdk.services.securityhub.model.InvalidAccessException;

/**
 * AWS Security Hub CSPM for the organization, from the management account: its own hub, and the
 * identity account designated as the delegated administrator ({@code EnableOrganizationAdminAccount}),
 * each only when missing. What the administrator then does (the organization configuration, the
 * members, each account's standard) is the per-account phases' work
 * ({@code io.palisade.applyaccounts.SecurityHubBaseline}).
 *
 * <p>Why the management account enables its own hub: Security Hub CSPM enables an organization
 * account when the administrator adds it as a member, except the management account, which must
 * enable Security Hub CSPM itself first (Security Hub CSPM API Reference, CreateMembers). It is
 * enabled without the default standards: the per-account phase enables the CIS standard.
 *
 * <p>Designating the administrator also enables Security Hub CSPM as a trusted service in
 * Organizations and enables it in the administrator account in the current region (Security Hub
 * CSPM User Guide, "Integrating Security Hub CSPM with AWS Organizations"): no separate
 * {@code EnableAWSServiceAccess} call.
 *
 * <p>Only reads: a plan uses it alone; {@link SecurityHubAdmin} makes the changes.
 */
public class SecurityHubSurvey {
    static final String HUB = "securityhub:hub";
    static final String ADMIN = "securityhub:organization-admin";

    final Function<OrgConfig, SecurityHubClient> clients;

    /** @param clients the management account's Security Hub client in the config's home region */
    public SecurityHubSurvey(Function<OrgConfig, SecurityHubClient> clients) {
        this.clients = clients;
    }

    /** The management account's client in the config's home region (one per region, built once). */
    static Function<OrgConfig, SecurityHubClient> own(Clients clients) {
        return config -> clients.cached("securityhub|" + Clients.homeRegion(config).id(),
                () -> clients.inHomeRegion(config).build(SecurityHubClient.builder()));
    }

    /** Reads only, with the function's own credentials: what a plan uses (FunctionPermissionsTest). */
    public static SecurityHubSurvey of(Clients clients) {
        return new SecurityHubSurvey(own(clients));
    }

    /** The changes an organization that does not exist yet needs: all of them. */
    public static List<Change> all(Change.Account management, Change.Account identity) {
        return List.of(Change.create(management, HUB, ""), Change.create(management, ADMIN, identity.label()));
    }

    /**
     * What is missing: the management account's hub, and the identity account as the delegated
     * administrator ({@code identity.id()} null: the account does not exist yet, so it is not).
     *
     * Another account as administrator is an update: Security Hub allows one, and the config names it.
     */
    public List<Change> changes(OrgConfig config, Change.Account management, Change.Account identity) {
        SecurityHubClient securityHub = clients.apply(config);
        List<Change> changes = new ArrayList<>();
        if (!hubEnabled(securityHub)) {
            changes.add(Change.create(management, HUB, ""));
        }
        List<AdminAccount> admins = new ArrayList<>();
        securityHub.listOrganizationAdminAccountsPaginator(r -> {}).forEach(p -> admins.addAll(p.adminAccounts()));
        if (identity.id() != null && admins.stream().anyMatch(a -> identity.id().equals(a.accountId()))) {
            return changes;
        }
        List<String> others = admins.stream().map(AdminAccount::accountId)
                .filter(id -> !id.equals(identity.id())).toList();
        if (!others.isEmpty()) {
            // Security Hub has one administrator: the config names it, so another one is drift, replaced
            // (its members are disassociated by AWS; the identity account adds them again)
            changes.add(Change.update(management, ADMIN, identity.label(), "account", identity.id(), others));
            return changes;
        }
        changes.add(Change.create(management, ADMIN, identity.label()));
        return changes;
    }

    /** Whether the caller's hub exists: DescribeHub answers InvalidAccessException ("not subscribed") when not. */
    static boolean hubEnabled(SecurityHubClient securityHub) {
        try {
            securityHub.describeHub(r -> {});
            return true;
        } catch (InvalidAccessException notSubscribed) {
            return false;
        }
    }
}
