package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.aws.Change;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import io.palisade.common.aws.Plan;
import software.amazon.awssdk.services.securityhub.SecurityHubClient;
import software.amazon.awssdk.services.securityhub.model.InvalidAccessException;

/**
 * Security Hub CSPM in a fresh set of accounts of the emulated organization (moto with
 * scripts/harness/moto_securityhub.py): a plan reports every piece and changes nothing; with InfoSec
 * designated (as CreateAccounts does it, from the management account) the identity account's
 * baseline and then the others' leave every hub on with CIS v3.0.0, auto-enable on and every
 * account an enabled member; a re-run plans nothing.
 */
class SecurityHubIT {
    private final Clients clients = Emulator.clients();
    private final OrgConfig config = Emulator.config("sh" + UUID.randomUUID().toString().substring(0, 8));
    private final RunState.Org org = Emulator.accounts(clients, config);

    private SecurityHubClient hub(String accountId) {
        return clients.build(SecurityHubClient.builder(), Emulator.orgAccess(clients, accountId));
    }

    private Plan plan(RunState.Target t) {
        List<Change.Account> members = t.key().equals(config.identityAccount()) ? org.targets().stream()
                .filter(o -> !o.key().equals(t.key())).map(o -> new Change.Account(o.accountId(), o.key())).toList()
                : null;
        return new SecurityHubBaseline(hub(t.accountId()), clients.partition(), clients.region().id())
                .plan(new Change.Account(t.accountId(), t.key()), t.key().equals(OrgConfig.MANAGEMENT), members);
    }

    private List<String> planAll() {
        List<String> lines = new ArrayList<>();
        org.targets().forEach(t -> plan(t).changes().forEach(c -> lines.add(c.render())));
        return lines;
    }

    /**
     * What CreateAccounts (SecurityHubAdmin) does before any ApplyAccounts task: the management
     * account's hub, without default standards. Module ITs that apply the management account
     * without CreateAccounts call it first, whatever order the ITs run in.
     */
    static void managementHubOn(Clients clients, String managementId) {
        SecurityHubClient hub = clients.build(SecurityHubClient.builder(), Emulator.orgAccess(clients, managementId));
        if (!hubOn(hub)) {
            hub.enableSecurityHub(r -> r.enableDefaultStandards(false));
        }
    }

    private static boolean hubOn(SecurityHubClient hub) {
        try {
            hub.describeHub(r -> {});
            return true;
        } catch (InvalidAccessException none) {
            return false;
        }
    }

    @Test
    void bootstrap_whenFreshAccounts_expectedInfoSecAdministersEveryHubWithCisAndReRunChangesNothing() {
        String infosec = org.identity().accountId();
        String prod = org.members().stream().filter(t -> t.key().equals("prod")).findFirst().orElseThrow().accountId();
        SecurityHubClient managementHub = hub(org.managementAccountId());
        // CreateAccounts' part (SecurityHubAdmin, unit-tested and in BootstrapE2EIT): the management account's
        // hub, and this test's InfoSec as administrator (the emulated organization is shared: it takes over)
        if (!hubOn(managementHub)) {
            managementHub.enableSecurityHub(r -> r.enableDefaultStandards(false));
        }
        managementHub.listOrganizationAdminAccounts(r -> {}).adminAccounts()
                .forEach(a -> managementHub.disableOrganizationAdminAccount(r -> r.adminAccountId(a.accountId())));

        // plan before InfoSec administers anything: its own hub and standard; each member's. Not the
        // administrator's part: an InfoSec without a hub is not designated, and AWS would refuse it
        List<String> before = planAll();
        // (the management account is the emulator's, shared by every test: another may have enabled its standard)
        assertThat(before).contains("+ securityhub:hub prod",
                "+ securityhub:standard prod/cis-aws-foundations-benchmark/v/3.0.0",
                "+ securityhub:hub infosec");
        assertThat(before).noneMatch(c -> c.startsWith("+ securityhub:organization-configuration")
                || c.startsWith("+ securityhub:member"));
        // and applying InfoSec before its designation makes its hub and standard and does not fail
        plan(org.identity()).apply();
        assertThat(hubOn(hub(prod))).as("a plan changes nothing").isFalse();

        managementHub.enableOrganizationAdminAccount(r -> r.adminAccountId(infosec));
        // the identity account first, then the others (the state machine's order)
        org.targets().forEach(t -> plan(t).apply());

        String cis = SecurityHubBaseline.standardArn(clients.partition(), clients.region().id());
        for (RunState.Target t : org.targets()) {
            assertThat(hub(t.accountId()).getEnabledStandards(r -> {}).standardsSubscriptions())
                    .as("CIS v3.0.0 in " + t.key()).anyMatch(s -> s.standardsArn().equals(cis));
        }
        SecurityHubClient admin = hub(infosec);
        assertThat(admin.describeOrganizationConfiguration(r -> {}).autoEnable()).isTrue();
        assertThat(admin.listMembers(r -> r.onlyAssociated(false)).members()).extracting(m -> m.accountId())
                .containsExactlyInAnyOrderElementsOf(org.targets().stream().map(RunState.Target::accountId)
                        .filter(id -> !id.equals(infosec)).toList());
        assertThat(planAll()).as("a re-run changes nothing").isEmpty();
    }
}
