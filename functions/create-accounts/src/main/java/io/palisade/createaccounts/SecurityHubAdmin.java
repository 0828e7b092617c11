package io.palisade.createaccounts;

import io.palisade.common.aws.Change;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.PrerequisiteMissingException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.securityhub.SecurityHubClient;
import software.amazon.awssdk.services.securityhub.model.AdminAccount;
import software.amazon.awssdk.services.securityhub.model.InvalidAccessException;
import software.amazon.awssdk.services.securityhub.model.ResourceConflictException;

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
 * <p>{@link #changes} only reads (a plan uses it alone); {@link #apply} makes them.
 */
public final class SecurityHubAdmin {
    static final String HUB = "securityhub:hub";
    static final String ADMIN = "securityhub:organization-admin";
    private static final Logger LOG = LoggerFactory.getLogger(SecurityHubAdmin.class);

    private final Function<OrgConfig, SecurityHubClient> clients;

    /** @param clients the management account's Security Hub client in the config's home region */
    public SecurityHubAdmin(Function<OrgConfig, SecurityHubClient> clients) {
        this.clients = clients;
    }

    /** With the function's own credentials, in the config's home region (one client per region, built once). */
    public static SecurityHubAdmin of(Clients clients) {
        return new SecurityHubAdmin(config -> clients.cached("securityhub|" + Clients.homeRegion(config).id(),
                () -> clients.inHomeRegion(config).build(SecurityHubClient.builder())));
    }

    /** The changes an organization that does not exist yet needs: all of them. */
    public static List<Change> all(Change.Account management, Change.Account identity) {
        return List.of(Change.create(management, HUB, ""), Change.create(management, ADMIN, identity.label()));
    }

    /**
     * What is missing: the management account's hub, and the identity account as the delegated
     * administrator ({@code identity.id()} null: the account does not exist yet, so it is not).
     *
     * @throws PrerequisiteMissingException when another account is the administrator: Security Hub
     *     allows one, and changing it stops what that account configured; a person decides
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
            throw new PrerequisiteMissingException("securityHub: account " + others
                    + " is the organization's Security Hub administrator, not the identity account '"
                    + identity.label() + "'. Remove it (securityhub disable-organization-admin-account, from the "
                    + "management account) to let Palisade designate '" + identity.label()
                    + "', or set securityHub: false");
        }
        changes.add(Change.create(management, ADMIN, identity.label()));
        return changes;
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
            ChangeExecutor.create(change, () -> alreadyDoneOnConflict(switch (change.resourceType()) {
                case HUB -> () -> securityHub.enableSecurityHub(r -> r.enableDefaultStandards(false));
                case ADMIN -> () -> securityHub.enableOrganizationAdminAccount(r -> r.adminAccountId(identity.id()));
                default -> throw new IllegalStateException("no call for " + change.render());
            }));
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
                LOG.info("Security Hub: already done ({})", done.awsErrorDetails().errorMessage());
            }
        };
    }

    /** Whether the caller's hub exists: DescribeHub answers InvalidAccessException ("not subscribed") when not. */
    private static boolean hubEnabled(SecurityHubClient securityHub) {
        try {
            securityHub.describeHub(r -> {});
            return true;
        } catch (InvalidAccessException notSubscribed) {
            return false;
        }
    }
}
