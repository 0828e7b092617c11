package io.palisade.createaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.applyaccounts.AccountReport;
import io.palisade.applyaccounts.ApplyAccounts;
import io.palisade.common.Names;
import io.palisade.common.aws.AnalyzerDelegation;
import io.palisade.common.aws.AnalyzerDelegationSurvey;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.accessanalyzer.AccessAnalyzerClient;
import software.amazon.awssdk.services.accessanalyzer.model.AnalyzerStatus;
import software.amazon.awssdk.services.accessanalyzer.model.AnalyzerSummary;
import software.amazon.awssdk.services.accessanalyzer.model.Type;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.DelegatedAdministrator;
import software.amazon.awssdk.services.organizations.model.EnabledServicePrincipal;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The organization's IAM Access Analyzer in the emulated organization (moto, with the harness's
 * model of Access Analyzer, scripts/harness/moto_access_analyzer.py): CreateAccounts enables
 * trusted access and registers InfoSec as the delegated administrator, ApplyIdentityAccount makes
 * the ORGANIZATION analyzer there, a second run changes nothing, and a plan reads all of it.
 */
class AccessAnalyzerIT {
    private static RunState input(String mode, OrgConfig config) {
        return new RunState(mode, config, null, new RunState.Run("it-" + UUID.randomUUID(), null), null,
                null, null, null, null, null, null);
    }

    private static List<String> analyzerLines(List<String> lines) {
        return lines.stream().filter(l -> l.contains("access-analyzer")).toList();
    }

    @Test
    void bootstrap_whenRunTwice_expectedTheDelegationAndAnActiveOrganizationAnalyzerInInfoSecAndNoSecondChange() {
        Clients clients = Emulator.clients();
        OrgConfig config = Emulator.config("az" + UUID.randomUUID().toString().substring(0, 8));
        RunState.Org org = Emulator.accounts(clients, config);
        String infosec = org.identity().accountId();
        OrganizationsClient organizations = clients.build(OrganizationsClient.builder());
        CreateAccounts createAccounts = new CreateAccounts(clients, organizations, organizations, null,
                new AnalyzerDelegation(organizations));
        ApplyAccounts apply = new ApplyAccounts(clients, task -> Emulator.orgAccess(clients));
        AccountTask identity = new AccountTask(org.identity(), config, org, null, new RunState.Run("it", null));

        RunState.Org first = createAccounts.apply(input(RunState.BOOTSTRAP, config));
        AccountReport applied = apply.apply(identity);

        // (a) trusted access, and InfoSec the delegated administrator (the only one: AWS allows one)
        assertThat(organizations.listAWSServiceAccessForOrganization().enabledServicePrincipals())
                .extracting(EnabledServicePrincipal::servicePrincipal).contains(Names.ACCESS_ANALYZER_PRINCIPAL);
        assertThat(organizations.listDelegatedAdministrators(r -> r.servicePrincipal(Names.ACCESS_ANALYZER_PRINCIPAL))
                .delegatedAdministrators()).extracting(DelegatedAdministrator::id).containsExactly(infosec);
        // (the emulator's organization is shared: an earlier test's InfoSec may have been the administrator)
        assertThat(analyzerLines(first.changes()))
                .anyMatch(l -> l.startsWith("+ organizations:delegated-administrator access-analyzer.amazonaws.com")
                        || l.startsWith("~ organizations:delegated-administrator access-analyzer.amazonaws.com"));
        // (b) the ORGANIZATION analyzer in InfoSec, home region, ACTIVE
        String name = Names.organizationAnalyzer(config.organization().name());
        assertThat(applied.changes()).contains("+ access-analyzer:analyzer infosec/" + name);
        AccessAnalyzerClient analyzers = clients.inHomeRegion(config).build(AccessAnalyzerClient.builder(),
                Emulator.orgAccess(clients, infosec));
        AnalyzerSummary analyzer = analyzers.getAnalyzer(r -> r.analyzerName(name)).analyzer();
        assertThat(analyzer.type()).isEqualTo(Type.ORGANIZATION);
        assertThat(analyzer.status()).isEqualTo(AnalyzerStatus.ACTIVE);
        assertThat(analyzer.arn()).contains(":" + config.organization().region() + ":" + infosec + ":analyzer/" + name);

        // (c) a second run changes nothing of it
        clients.calls().drain();
        RunState.Org second = createAccounts.apply(input(RunState.BOOTSTRAP, config));
        AccountReport again = apply.apply(identity);
        assertThat(analyzerLines(second.changes())).isEmpty();
        assertThat(analyzerLines(again.changes())).isEmpty();
        assertThat(clients.calls().drain()).noneMatch(c -> c.contains("Analyzer") || c.contains("Delegated")
                || c.contains("ServiceAccess"));
        assertThat(analyzers.listAnalyzers(r -> r.type(Type.ORGANIZATION)).analyzers())
                .extracting(AnalyzerSummary::name).containsOnlyOnce(name);

        // and a plan of the same organization finds nothing of it to do
        RunState.Org planned = new PlanAccounts(clients, organizations, clients.build(StsClient.builder()), null,
                new AnalyzerDelegationSurvey(organizations)).plan(input(RunState.PLAN, config));
        assertThat(analyzerLines(planned.changes())).isEmpty();
        assertThat(analyzerLines(apply.planReport(new AccountTask(org.identity(), config, org, null,
                new RunState.Run("it", null), AccountTask.PLAN, null)).changes())).isEmpty();
    }
}
