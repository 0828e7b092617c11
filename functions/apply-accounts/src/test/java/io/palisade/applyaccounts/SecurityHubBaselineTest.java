package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.aws.Change;
import io.palisade.common.aws.Plan;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.securityhub.SecurityHubClient;
import software.amazon.awssdk.services.securityhub.model.AccessDeniedException;
import software.amazon.awssdk.services.securityhub.model.BatchEnableStandardsRequest;
import software.amazon.awssdk.services.securityhub.model.BatchEnableStandardsResponse;
import software.amazon.awssdk.services.securityhub.model.CreateMembersRequest;
import software.amazon.awssdk.services.securityhub.model.CreateMembersResponse;
import software.amazon.awssdk.services.securityhub.model.DescribeHubRequest;
import software.amazon.awssdk.services.securityhub.model.DescribeHubResponse;
import software.amazon.awssdk.services.securityhub.model.DescribeOrganizationConfigurationRequest;
import software.amazon.awssdk.services.securityhub.model.DescribeOrganizationConfigurationResponse;
import software.amazon.awssdk.services.securityhub.model.EnableSecurityHubRequest;
import software.amazon.awssdk.services.securityhub.model.EnableSecurityHubResponse;
import software.amazon.awssdk.services.securityhub.model.GetEnabledStandardsRequest;
import software.amazon.awssdk.services.securityhub.model.GetEnabledStandardsResponse;
import software.amazon.awssdk.services.securityhub.model.InvalidAccessException;
import software.amazon.awssdk.services.securityhub.model.ListMembersRequest;
import software.amazon.awssdk.services.securityhub.model.ListMembersResponse;
import software.amazon.awssdk.services.securityhub.model.Member;
import software.amazon.awssdk.services.securityhub.model.ResourceConflictException;
import software.amazon.awssdk.services.securityhub.model.Result;
import software.amazon.awssdk.services.securityhub.model.StandardsSubscription;
import software.amazon.awssdk.services.securityhub.model.UpdateOrganizationConfigurationRequest;
import software.amazon.awssdk.services.securityhub.model.UpdateOrganizationConfigurationResponse;

class SecurityHubBaselineTest {
    static final String CIS = "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0";
    static final Change.Account PROD = new Change.Account("222222222222", "prod");
    static final Change.Account INFOSEC = new Change.Account("111111111111", "infosec");
    static final Change.Account MANAGEMENT = new Change.Account("999999999999", "management");

    /** A Security Hub of one account, in memory, recording its changing calls. */
    static final class FakeHub implements SecurityHubClient {
        boolean hub;
        boolean admin = true;
        Boolean autoEnable = false;
        final List<String> standards = new ArrayList<>();
        final List<Member> members = new ArrayList<>();
        final List<String> calls = new ArrayList<>();
        String unprocessed;

        @Override
        public DescribeHubResponse describeHub(DescribeHubRequest r) {
            if (!hub) {
                throw InvalidAccessException.builder().message("not subscribed").build();
            }
            return DescribeHubResponse.builder().hubArn("arn:aws:securityhub:eu-west-1:1:hub/default").build();
        }

        @Override
        public EnableSecurityHubResponse enableSecurityHub(EnableSecurityHubRequest r) {
            calls.add("EnableSecurityHub defaults=" + r.enableDefaultStandards());
            if (hub) {
                throw ResourceConflictException.builder().message("Account is already subscribed").build();
            }
            hub = true;
            return EnableSecurityHubResponse.builder().build();
        }

        @Override
        public GetEnabledStandardsResponse getEnabledStandards(GetEnabledStandardsRequest r) {
            return GetEnabledStandardsResponse.builder().standardsSubscriptions(standards.stream()
                    .map(a -> StandardsSubscription.builder().standardsArn(a).standardsStatus("READY").build())
                    .toList()).build();
        }

        @Override
        public BatchEnableStandardsResponse batchEnableStandards(BatchEnableStandardsRequest r) {
            r.standardsSubscriptionRequests().forEach(s -> {
                calls.add("BatchEnableStandards " + s.standardsArn());
                standards.add(s.standardsArn());
            });
            return BatchEnableStandardsResponse.builder().build();
        }

        @Override
        public DescribeOrganizationConfigurationResponse describeOrganizationConfiguration(
                DescribeOrganizationConfigurationRequest r) {
            if (!admin) {
                throw AccessDeniedException.builder().message("not the administrator").build();
            }
            return DescribeOrganizationConfigurationResponse.builder().autoEnable(autoEnable).build();
        }

        @Override
        public UpdateOrganizationConfigurationResponse updateOrganizationConfiguration(
                UpdateOrganizationConfigurationRequest r) {
            calls.add("UpdateOrganizationConfiguration autoEnable=" + r.autoEnable());
            autoEnable = r.autoEnable();
            return UpdateOrganizationConfigurationResponse.builder().build();
        }

        @Override
        public ListMembersResponse listMembers(ListMembersRequest r) {
            return ListMembersResponse.builder().members(members).build();
        }

        @Override
        public CreateMembersResponse createMembers(CreateMembersRequest r) {
            String id = r.accountDetails().get(0).accountId();
            calls.add("CreateMembers " + id);
            if (unprocessed != null) {
                return CreateMembersResponse.builder().unprocessedAccounts(Result.builder().accountId(id)
                        .processingResult(unprocessed).build()).build();
            }
            members.add(Member.builder().accountId(id).memberStatus("Enabled").build());
            return CreateMembersResponse.builder().build();
        }

        @Override
        public String serviceName() {
            return "securityhub";
        }

        @Override
        public void close() {}
    }

    private static Plan plan(FakeHub hub, Change.Account account, boolean management, List<Change.Account> members) {
        return new SecurityHubBaseline(hub, "aws", "eu-west-1").plan(account, management, members);
    }

    private static List<String> rendered(Plan plan) {
        return plan.changes().stream().map(Change::render).toList();
    }

    @Test
    void plan_whenMemberHasNoHub_expectedHubWithoutDefaultStandardsThenCis() {
        FakeHub hub = new FakeHub();

        Plan plan = plan(hub, PROD, false, null);

        assertThat(rendered(plan)).containsExactly("+ securityhub:hub prod",
                "+ securityhub:standard prod/cis-aws-foundations-benchmark/v/3.0.0");
        assertThat(hub.calls).isEmpty();
        plan.apply();
        assertThat(hub.calls).containsExactly("EnableSecurityHub defaults=false", "BatchEnableStandards " + CIS);
        assertThat(plan(hub, PROD, false, null).isEmpty()).isTrue();
    }

    @Test
    void apply_whenCreateMembersEnabledTheHubMeanwhile_expectedConflictIsDone() {
        FakeHub hub = new FakeHub();
        Plan plan = plan(hub, PROD, false, null);
        hub.hub = true;  // the administrator's CreateMembers, between plan and apply

        plan.apply();

        assertThat(hub.standards).containsExactly(CIS);
    }

    @Test
    void plan_whenManagementHasNoHub_expectedOnlyTheStandard() {
        assertThat(rendered(plan(new FakeHub(), MANAGEMENT, true, null)))
                .containsExactly("+ securityhub:standard management/cis-aws-foundations-benchmark/v/3.0.0");
    }

    @Test
    void plan_whenOtherStandardsOnly_expectedCis() {
        FakeHub hub = new FakeHub();
        hub.hub = true;
        hub.standards.add("arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0");

        assertThat(rendered(plan(hub, PROD, false, null)))
                .containsExactly("+ securityhub:standard prod/cis-aws-foundations-benchmark/v/3.0.0");
    }

    @Test
    void plan_whenAdministratorMissesAutoEnableAndAMember_expectedBoth() {
        FakeHub hub = new FakeHub();
        hub.hub = true;
        hub.standards.add(CIS);
        hub.members.add(Member.builder().accountId(PROD.id()).memberStatus("Enabled").build());

        Plan plan = plan(hub, INFOSEC, false, List.of(PROD, MANAGEMENT));

        assertThat(rendered(plan)).containsExactly(
                "~ securityhub:organization-configuration infosec autoEnable: expected true actual false",
                "+ securityhub:member infosec/management");
        plan.apply();
        assertThat(hub.calls).containsExactly("UpdateOrganizationConfiguration autoEnable=true",
                "CreateMembers " + MANAGEMENT.id());
        assertThat(plan(hub, INFOSEC, false, List.of(PROD, MANAGEMENT)).isEmpty()).isTrue();
    }

    @Test
    void apply_whenMemberAlreadyAddedByALostAnswer_expectedDone() {
        FakeHub hub = new FakeHub();
        hub.hub = true;
        hub.standards.add(CIS);
        hub.autoEnable = true;
        hub.unprocessed = "Account 222222222222 is already a member";

        plan(hub, INFOSEC, false, List.of(PROD)).apply();

        assertThat(hub.calls).containsExactly("CreateMembers " + PROD.id());
    }

    @Test
    void apply_whenMemberRefused_expectedErrorNamingTheAccount() {
        FakeHub hub = new FakeHub();
        hub.hub = true;
        hub.standards.add(CIS);
        hub.autoEnable = true;
        hub.unprocessed = "Security Hub must be enabled in the organization management account first";

        Plan plan = plan(hub, INFOSEC, false, List.of(MANAGEMENT));

        assertThatThrownBy(plan::apply).hasMessageContaining("management").hasMessageContaining("must be enabled");
    }

    @Test
    void plan_whenNotYetAdministrator_expectedOnlyItsOwnHubAndStandard() {
        FakeHub hub = new FakeHub();
        hub.hub = true;
        hub.admin = false;

        assertThat(rendered(plan(hub, INFOSEC, false, List.of(PROD))))
                .containsExactly("+ securityhub:standard infosec/cis-aws-foundations-benchmark/v/3.0.0");
    }

    @Test
    void plan_whenTheIdentityAccountHasNoHub_expectedItsHubAndStandardOnly_notTheAdministratorsPart() {
        // no hub: not designated yet (designation turns the hub on), so UpdateOrganizationConfiguration and
        // CreateMembers would be refused; they wait for the run after CreateAccounts designates the account
        FakeHub hub = new FakeHub();

        assertThat(rendered(new SecurityHubBaseline(hub, "aws", "us-east-1").plan(INFOSEC, false, List.of(PROD),
                false))).containsExactly("+ securityhub:hub infosec",
                "+ securityhub:standard infosec/cis-aws-foundations-benchmark/v/3.0.0");
    }

    @Test
    void plan_whenTheIdentityAccountDoesNotExistYet_expectedEverythingAsCreate() {
        assertThat(rendered(new SecurityHubBaseline(new FakeHub(), "aws", "us-east-1").plan(INFOSEC, false,
                List.of(PROD), true))).containsExactly(
                "+ securityhub:hub infosec", "+ securityhub:standard infosec/cis-aws-foundations-benchmark/v/3.0.0",
                "+ securityhub:organization-configuration infosec", "+ securityhub:member infosec/prod");
    }
}
