package io.palisade.createaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.aws.Change;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.securityhub.SecurityHubClient;
import software.amazon.awssdk.services.securityhub.model.AdminAccount;
import software.amazon.awssdk.services.securityhub.model.DescribeHubRequest;
import software.amazon.awssdk.services.securityhub.model.DescribeHubResponse;
import software.amazon.awssdk.services.securityhub.model.DisableOrganizationAdminAccountRequest;
import software.amazon.awssdk.services.securityhub.model.DisableOrganizationAdminAccountResponse;
import software.amazon.awssdk.services.securityhub.model.EnableOrganizationAdminAccountRequest;
import software.amazon.awssdk.services.securityhub.model.EnableOrganizationAdminAccountResponse;
import software.amazon.awssdk.services.securityhub.model.EnableSecurityHubRequest;
import software.amazon.awssdk.services.securityhub.model.EnableSecurityHubResponse;
import software.amazon.awssdk.services.securityhub.model.InvalidAccessException;
import software.amazon.awssdk.services.securityhub.model.ListOrganizationAdminAccountsRequest;
import software.amazon.awssdk.services.securityhub.model.ListOrganizationAdminAccountsResponse;
import software.amazon.awssdk.services.securityhub.model.ResourceConflictException;

class SecurityHubAdminTest {
    static final Change.Account MANAGEMENT = new Change.Account("999999999999", "management");
    static final Change.Account INFOSEC = new Change.Account("111111111111", "infosec");

    /** The management account's Security Hub, in memory, recording its changing calls. */
    static final class FakeHub implements SecurityHubClient {
        boolean hub;
        final List<String> admins = new ArrayList<>();
        final List<String> calls = new ArrayList<>();
        boolean conflict;

        @Override
        public DescribeHubResponse describeHub(DescribeHubRequest r) {
            if (!hub) {
                throw InvalidAccessException.builder().message("not subscribed").build();
            }
            return DescribeHubResponse.builder().build();
        }

        @Override
        public EnableSecurityHubResponse enableSecurityHub(EnableSecurityHubRequest r) {
            calls.add("EnableSecurityHub defaults=" + r.enableDefaultStandards());
            hub = true;
            if (conflict) {
                throw ResourceConflictException.builder().message("already subscribed").build();
            }
            return EnableSecurityHubResponse.builder().build();
        }

        @Override
        public ListOrganizationAdminAccountsResponse listOrganizationAdminAccounts(
                ListOrganizationAdminAccountsRequest r) {
            return ListOrganizationAdminAccountsResponse.builder().adminAccounts(admins.stream()
                    .map(a -> AdminAccount.builder().accountId(a).status("ENABLED").build()).toList()).build();
        }

        @Override
        public EnableOrganizationAdminAccountResponse enableOrganizationAdminAccount(
                EnableOrganizationAdminAccountRequest r) {
            calls.add("EnableOrganizationAdminAccount " + r.adminAccountId());
            admins.add(r.adminAccountId());
            return EnableOrganizationAdminAccountResponse.builder().build();
        }

        @Override
        public DisableOrganizationAdminAccountResponse disableOrganizationAdminAccount(
                DisableOrganizationAdminAccountRequest r) {
            calls.add("DisableOrganizationAdminAccount " + r.adminAccountId());
            admins.remove(r.adminAccountId());
            return DisableOrganizationAdminAccountResponse.builder().build();
        }

        @Override
        public String serviceName() {
            return "securityhub";
        }

        @Override
        public void close() {}
    }

    private static List<String> rendered(List<Change> changes) {
        return changes.stream().map(Change::render).toList();
    }

    @Test
    void apply_whenNothingThere_expectedOwnHubWithoutDefaultStandardsThenInfoSecDesignated() {
        FakeHub hub = new FakeHub();
        SecurityHubAdmin admin = new SecurityHubAdmin(c -> hub);

        assertThat(rendered(admin.changes(null, MANAGEMENT, INFOSEC)))
                .containsExactly("+ securityhub:hub management", "+ securityhub:organization-admin management/infosec");
        assertThat(hub.calls).isEmpty();
        admin.apply(null, MANAGEMENT, INFOSEC);
        assertThat(hub.calls).containsExactly("EnableSecurityHub defaults=false",
                "EnableOrganizationAdminAccount " + INFOSEC.id());
        assertThat(admin.changes(null, MANAGEMENT, INFOSEC)).isEmpty();
    }

    @Test
    void apply_whenTheHubWasEnabledByALostAnswer_expectedConflictIsDone() {
        FakeHub hub = new FakeHub();
        hub.conflict = true;
        hub.admins.add(INFOSEC.id());

        assertThat(rendered(new SecurityHubAdmin(c -> hub).apply(null, MANAGEMENT, INFOSEC)))
                .containsExactly("+ securityhub:hub management");
    }

    @Test
    void changes_whenInfoSecDoesNotExistYet_expectedItsDesignationPlanned() {
        FakeHub hub = new FakeHub();
        hub.hub = true;

        assertThat(rendered(new SecurityHubAdmin(c -> hub).changes(null, MANAGEMENT,
                new Change.Account(null, "infosec")))).containsExactly("+ securityhub:organization-admin management/infosec");
    }

    @Test
    void apply_whenAnotherAccountIsAdministrator_expectedItReplacedByInfoSec() {
        FakeHub hub = new FakeHub();
        hub.hub = true;
        hub.admins.add("333333333333");
        SecurityHubAdmin admin = new SecurityHubAdmin(c -> hub);

        assertThat(rendered(admin.changes(null, MANAGEMENT, INFOSEC))).containsExactly(
                "~ securityhub:organization-admin management/infosec account: expected \"111111111111\" actual "
                        + "[\"333333333333\"]");
        admin.apply(null, MANAGEMENT, INFOSEC);
        assertThat(hub.calls).containsExactly("DisableOrganizationAdminAccount 333333333333",
                "EnableOrganizationAdminAccount " + INFOSEC.id());
        assertThat(admin.changes(null, MANAGEMENT, INFOSEC)).isEmpty();
    }

    @Test
    void all_expectedHubThenDesignation() {
        assertThat(rendered(SecurityHubSurvey.all(MANAGEMENT, new Change.Account(null, "infosec"))))
                .containsExactly("+ securityhub:hub management", "+ securityhub:organization-admin management/infosec");
    }
}
