package io.palisade.createaccounts;

import io.palisade.common.aws.AnalyzerDelegationSurvey;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.organizations.model.AwsOrganizationsNotInUseException;
import software.amazon.awssdk.services.organizations.model.Organization;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The plan of {@link CreateAccounts}: reads the organization and its accounts and returns the
 * run's {@code org} as a bootstrap would find it, ready at once, with the changes a bootstrap
 * would make here. Never creates the organization or an account: a plan of an organization
 * that does not exist yet names every account with no id, and the per-account phases plan
 * those as all {@code +} ({@link io.palisade.common.aws.AbsentAccount}).
 *
 * <p>Changes: {@code + organizations:organization ALL} when there is no organization, and
 * {@code + organizations:account <key>} for each configured account no account of the
 * organization has the email of (found as {@link CreateAccounts} finds them), and the
 * guardrails at the root a bootstrap would make, restore or remove ({@link GuardrailsDiff}:
 * {@code + organizations:policy}, {@code ~ organizations:policy <name> content},
 * {@code + organizations:policy-attachment <root>/<name>}, {@code + organizations:policy-type}), and
 * the organization's Access Analyzer ({@link AnalyzerDelegationSurvey}: {@code + organizations:trusted-access
 * access-analyzer.amazonaws.com}, {@code + organizations:delegated-administrator
 * access-analyzer.amazonaws.com/<identity key>}).
 */
public final class PlanAccounts {
    /** Status of a configured account that does not exist yet: a bootstrap would create it. */
    public static final String PLANNED = "PLANNED";
    static final String ORGANIZATION = "organizations:organization";
    static final String ACCOUNT = "organizations:account";
    private static final Logger LOG = LoggerFactory.getLogger(PlanAccounts.class);

    private final Clients clients;
    private final OrganizationsClient organizations;
    private final StsClient sts;
    /** Centralized root access, read-only; null: not this instance's job. */
    private final RootAccessSurvey rootAccess;
    /** The organization's Access Analyzer delegation, read-only; null: not this instance's job. */
    private final AnalyzerDelegationSurvey analyzer;
    /** Security Hub's administrator, read-only here; null: not this instance's job. */
    private final SecurityHubSurvey securityHub;

    /**
     * @param organizations reads the organization (as the management account)
     * @param sts           names the caller's account when there is no organization yet: the one
     *                      a bootstrap would make the management account
     */
    public PlanAccounts(Clients clients, OrganizationsClient organizations, StsClient sts,
                        RootAccessSurvey rootAccess, AnalyzerDelegationSurvey analyzer, SecurityHubSurvey securityHub) {
        this.clients = clients;
        this.organizations = organizations;
        this.sts = sts;
        this.rootAccess = rootAccess;
        this.analyzer = analyzer;
        this.securityHub = securityHub;
    }

    /** No Security Hub. */
    public PlanAccounts(Clients clients, OrganizationsClient organizations, StsClient sts,
                        RootAccessSurvey rootAccess, AnalyzerDelegationSurvey analyzer) {
        this(clients, organizations, sts, rootAccess, analyzer, null);
    }

    /** The accounts only: no centralized root access, no Access Analyzer delegation. */
    public PlanAccounts(Clients clients, OrganizationsClient organizations, StsClient sts) {
        this(clients, organizations, sts, null, null);
    }

    public RunState.Org plan(RunState input) {
        OrgConfig config = RunInput.validated(input);
        clients.calls().drain();

        List<Change> changes = new ArrayList<>();
        Organization org = organization();
        String managementAccountId;
        List<Account> existing;
        GuardrailsDiff guardrails = new GuardrailsDiff(organizations, clients.partition());
        if (org == null) {
            changes.add(Change.create(ORGANIZATION, "ALL"));
            managementAccountId = sts.getCallerIdentity().account();
            existing = List.of();
            guardrails.forNewOrganization(config).forEach(step -> changes.add(step.change()));
        } else {
            RunInput.requireAllFeatures(org);
            managementAccountId = org.masterAccountId();
            existing = RunInput.listAccounts(organizations);
            guardrails.steps(config, org.id()).forEach(step -> changes.add(step.change()));
        }
        Map<String, Account> byEmail = existing.stream().collect(Collectors.toMap(
                a -> a.email().toLowerCase(Locale.ROOT), Function.identity(), (a, b) -> a));

        List<AccountRef> accounts = new ArrayList<>();
        for (OrgConfig.Account wanted : config.accounts()) {
            Account found = byEmail.get(wanted.email().toLowerCase(Locale.ROOT));
            if (found == null) {
                changes.add(Change.create(new Change.Account(null, wanted.key()), ACCOUNT, ""));
                accounts.add(new AccountRef(wanted.key(), wanted.name(), wanted.email(), null, null, PLANNED, null, 0));
            } else {
                accounts.add(new AccountRef(wanted.key(), wanted.name(), wanted.email(), found.id(), null,
                        RunInput.foundStatus(found), null, 0));
            }
        }
        if (analyzer != null) {
            // trusted access for Access Analyzer and InfoSec its delegated administrator (CreateAccounts makes them)
            changes.addAll(org == null ? AnalyzerDelegationSurvey.all(config.identityAccount())
                    : analyzer.changes(RunInput.identityId(accounts, config), config.identityAccount()));
        }
        List<String> rootLines = new ArrayList<>();
        if (rootAccess != null) {
            if (org == null) {  // no organization yet: all of it is to do, and there is no member to read
                RootAccessSurvey.all().stream().map(Change::render).forEach(rootLines::add);
            } else {
                rootLines.addAll(rootAccess.plan(RootAccessSurvey.members(existing, managementAccountId, accounts),
                        config.deleteMemberRootCredentials()));
            }
        }
        if (securityHub != null && config.securityHubEnabled()) {
            Change.Account management = new Change.Account(managementAccountId, OrgConfig.MANAGEMENT);
            AccountRef identity = accounts.stream().filter(a -> a.key().equals(config.identityAccount()))
                    .findFirst().orElseThrow();
            Change.Account admin = new Change.Account(identity.id(), identity.key());
            (org == null ? SecurityHubSurvey.all(management, admin) : securityHub.changes(config, management, admin))
                    .forEach(c -> rootLines.add(c.render()));
        }
        List<String> made = clients.calls().drain();
        if (!made.isEmpty()) {
            // a guard, not a path: planning only reads
            throw new IllegalStateException("planning the organization made changing calls " + made);
        }
        List<String> rendered = new ArrayList<>(changes.stream().map(Change::render).toList());
        rendered.addAll(rootLines);
        LOG.info("Organization {} (management {}): {} planned changes", org == null ? "(none)" : org.id(),
                managementAccountId, rendered.size());
        rendered.forEach(change -> LOG.info("  {}", change));
        return RunState.Org.ready(managementAccountId, org == null ? null : org.id(), accounts,
                config.identityAccount(), 0, rendered);
    }

    /** The organization of the caller's account, or {@code null} when it is in none. */
    private Organization organization() {
        try {
            return organizations.describeOrganization().organization();
        } catch (AwsOrganizationsNotInUseException e) {
            return null;
        }
    }
}
