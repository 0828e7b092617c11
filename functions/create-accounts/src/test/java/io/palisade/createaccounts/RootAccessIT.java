package io.palisade.createaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.FeatureType;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Centralized root access in the emulated organization (moto with the harness's model of it,
 * scripts/harness/moto_root_access.py): the organization features get enabled once, and a
 * member root's access key, made as that root user would make it, is reported, deleted when
 * the config says so, and only reported by a plan.
 */
class RootAccessIT {
    private Clients clients;
    private OrganizationsClient organizations;
    private IamClient iam;
    /** The harness's root key acts as the root user of the account this header names (moto). */
    private static final String ACT_IN = "x-moto-account-id";
    private final List<RootAccessSurvey.Credential> made = new java.util.ArrayList<>();
    private RootAccess rootAccess;
    private OrgConfig config;

    @BeforeEach
    void organization() {
        clients = Emulator.clients();
        organizations = clients.build(OrganizationsClient.builder());
        iam = clients.build(IamClient.builder());
        rootAccess = new RootAccess(clients, organizations, iam, clients.build(StsClient.builder()));
        config = Emulator.config("ra" + UUID.randomUUID().toString().substring(0, 8));
    }

    private static RunState input(OrgConfig config, RunState.Org org) {
        return new RunState(RunState.BOOTSTRAP, config, null, new RunState.Run("it-" + UUID.randomUUID(), null), org,
                null, null, null, null, null, null);
    }

    private static OrgConfig deleting(OrgConfig c, boolean delete) {
        return new OrgConfig(c.organization(), c.identityAccount(), c.accounts(), c.roles(), c.groups(), c.users(),
                c.passwordPolicy(), c.alerts(), c.guardrails(), new OrgConfig.RootAccess(delete));
    }

    private CreateAccounts bootstrap() {
        return new CreateAccounts(clients, organizations, organizations, rootAccess, null);
    }

    /** Creates this test's accounts (a first bootstrap) and returns prod's id. */
    private String prodAfterFirstRun(OrgConfig config) {
        RunState.Org first = bootstrap().apply(input(config, null));
        return first.accounts().stream().filter(a -> a.key().equals("prod")).map(AccountRef::id).findFirst()
                .orElseThrow();
    }

    /** An access key of the member's root user, made as the root user makes one: CreateAccessKey without UserName. */
    private String rootAccessKey(String accountId) {
        String key = iam.createAccessKey(r -> r.overrideConfiguration(o -> o.putHeader(ACT_IN, accountId)))
                .accessKey().accessKeyId();
        made.add(new RootAccessSurvey.Credential(accountId, "access-key", key));
        return key;
    }

    /**
     * The emulator's organization is shared: a root key left behind would be every later run's
     * finding. The member's root user deletes its own key (a deleted one is gone already).
     */
    @AfterEach
    void deleteTheRootKeysMade() {
        for (RootAccessSurvey.Credential c : made) {
            try {
                iam.deleteAccessKey(r -> r.accessKeyId(c.id())
                        .overrideConfiguration(o -> o.putHeader(ACT_IN, c.account())));
            } catch (NoSuchEntityException gone) {
                // deleted by the test
            }
        }
    }

    private List<String> linesOf(RunState.Org org, String text) {
        return org.changes().stream().filter(l -> l.contains(text)).toList();
    }

    @Test
    void apply_whenRootAccessIsOff_enablesTrustedAccessAndBothFeatures_andARerunCallsNothing() {
        bootstrap().apply(input(config, null)); // the organization exists
        for (String call : List.of("RootSessions", "RootCredentialsManagement")) {
            // the emulator's organization is shared: start from nothing enabled, whatever ran before
            if (iam.listOrganizationsFeatures(r -> {}).enabledFeatures().contains(FeatureType.fromValue(call))) {
                if (call.equals("RootSessions")) {
                    iam.disableOrganizationsRootSessions(r -> {});
                } else {
                    iam.disableOrganizationsRootCredentialsManagement(r -> {});
                }
            }
        }
        organizations.disableAWSServiceAccess(r -> r.servicePrincipal(RootAccessSurvey.IAM_PRINCIPAL));
        assertThat(rootAccess.changes()).hasSize(3);
        clients.calls().drain();

        rootAccess.enable();

        assertThat(clients.calls().drain()).containsExactly("Organizations:EnableAWSServiceAccess",
                "Iam:EnableOrganizationsRootCredentialsManagement", "Iam:EnableOrganizationsRootSessions");
        assertThat(organizations.listAWSServiceAccessForOrganization(r -> {}).enabledServicePrincipals())
                .anySatisfy(p -> assertThat(p.servicePrincipal()).isEqualTo("iam.amazonaws.com"));
        assertThat(iam.listOrganizationsFeatures(r -> {}).enabledFeatures())
                .containsExactlyInAnyOrder(FeatureType.ROOT_CREDENTIALS_MANAGEMENT, FeatureType.ROOT_SESSIONS);

        rootAccess.enable();
        assertThat(rootAccess.changes()).isEmpty();
        assertThat(clients.calls().drain()).as("changing calls of a second run").isEmpty();
    }

    @Test
    void apply_whenAMemberRootHasAnAccessKey_reportsItAsAFindingAndKeepsIt() {
        String prod = prodAfterFirstRun(config);
        String key = rootAccessKey(prod);

        RunState.Org second = bootstrap().apply(input(config, null));

        assertThat(linesOf(second, "prod/")).containsExactly("! iam:root-access-key prod/" + key);
        assertThat(second.changes()).noneMatch(l -> l.contains("Delete"));
        assertThat(rootAccess.credentials(prod)).containsExactly(new RootAccessSurvey.Credential(prod, "access-key", key));
    }

    @Test
    void apply_whenDeleteIsConfigured_deletesTheMemberRootsKey_andASecondRunReportsNone() {
        OrgConfig deleting = deleting(config, true);
        String prod = prodAfterFirstRun(deleting);
        String key = rootAccessKey(prod);
        assertThat(rootAccess.credentials(prod)).hasSize(1);

        RunState.Org second = bootstrap().apply(input(deleting, null));

        assertThat(second.changes()).contains("Iam:DeleteAccessKey", "- iam:root-access-key prod/" + key);
        assertThat(rootAccess.credentials(prod)).isEmpty();
        RunState.Org third = bootstrap().apply(input(deleting, null));
        assertThat(third.changes()).noneMatch(l -> l.contains("DeleteAccessKey") || l.contains("prod/"));
    }

    @Test
    void plan_whenAMemberRootHasAKey_reportsItWithoutDeletingIt() {
        String prod = prodAfterFirstRun(config);
        String key = rootAccessKey(prod);
        PlanAccounts plan = new PlanAccounts(clients, organizations, clients.build(StsClient.builder()), rootAccess, null);

        RunState.Org keeping = plan.plan(input(config, null));
        RunState.Org removing = plan.plan(input(deleting(config, true), null));

        assertThat(linesOf(keeping, "prod/")).containsExactly("! iam:root-access-key prod/" + key);
        assertThat(linesOf(removing, "prod/")).containsExactly("- iam:root-access-key prod/" + key);
        assertThat(rootAccess.credentials(prod)).as("the plan deleted nothing")
                .containsExactly(new RootAccessSurvey.Credential(prod, "access-key", key));
    }
}
