package io.palisade.common.testkit;

import io.palisade.common.aws.AccountAccess;
import io.palisade.common.aws.OrganizationAccess;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AwsOrganizationsNotInUseException;
import software.amazon.awssdk.services.organizations.model.CreateAccountStatus;

/**
 * For *IT tests: the emulated organization (moto) that ./palisade test starts and describes
 * in the environment (PALISADE_ENDPOINT_URL, PALISADE_CA_BUNDLE, AWS_REGION, dummy keys).
 * Every test makes its own member accounts with unique emails, so tests share one emulator.
 */
public final class Emulator {
    private Emulator() {}

    public static Clients clients() {
        Assumptions.assumeTrue(System.getenv("PALISADE_ENDPOINT_URL") != null,
                "PALISADE_ENDPOINT_URL not set: run through ./palisade test");
        return Clients.fromEnvironment();
    }

    /** A valid config like the default one, with fresh emails and this org name. */
    public static OrgConfig config(String orgName) {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        var roles = new java.util.LinkedHashMap<String, OrgConfig.RoleDef>();
        roles.put("Administrator", new OrgConfig.RoleDef("AdministratorAccess", "Full access"));
        roles.put("Developer", new OrgConfig.RoleDef("PowerUserAccess", "Everything but IAM"));
        roles.put("Billing", new OrgConfig.RoleDef("job-function/Billing", "Billing console"));
        // CIS 1.17 (a support role) and an auditor's role, in every account as config/organization.yaml has them
        roles.put("Support", new OrgConfig.RoleDef("AWSSupportAccess", "AWS Support cases"));
        roles.put("SecurityAudit", new OrgConfig.RoleDef("SecurityAudit", "Read security configuration"));
        return new OrgConfig(
                new OrgConfig.Organization(orgName, "us-east-1", List.of("Billing", "Support", "SecurityAudit")),
                "infosec",
                List.of(new OrgConfig.Account("infosec", "InfoSec", "infosec-" + tag + "@example.com",
                                List.of("Administrator", "Support", "SecurityAudit")),
                        new OrgConfig.Account("prod", "Prod", "prod-" + tag + "@example.com",
                                List.of("Administrator", "Developer", "Support", "SecurityAudit")),
                        new OrgConfig.Account("non-prod", "Non-Prod", "nonprod-" + tag + "@example.com",
                                List.of("Administrator", "Developer", "Support", "SecurityAudit"))),
                roles,
                List.of(group("InfosecAdmins", "infosec", "Administrator"),
                        group("ProdAdmins", "prod", "Administrator"),
                        group("NonProdAdmins", "non-prod", "Administrator"),
                        group("ProdDevelopers", "prod", "Developer"),
                        group("NonProdDevelopers", "non-prod", "Developer"),
                        group("MasterBilling", "management", "Billing"),
                        everywhere("SupportTeam", "Support"),
                        everywhere("SecurityAuditors", "SecurityAudit")),
                List.of(new OrgConfig.User("ExampleAdmin", List.of("InfosecAdmins", "ProdAdmins", "NonProdAdmins")),
                        new OrgConfig.User("ExampleDeveloper", List.of("ProdDevelopers", "NonProdDevelopers")),
                        new OrgConfig.User("ExampleBilling", List.of("MasterBilling"))),
                new OrgConfig.PasswordPolicy(14, true, true, true, true, 24, 90, true),
                new OrgConfig.Alerts(List.of("security@example.com")));
    }

    /**
     * {@link #config(String)} with {@code accounts} accounts in all: InfoSec, Prod, Non-Prod and
     * then {@code member-001}... (Administrator and Developer roles, no groups of their own, so the
     * identity account's work does not grow with the count), up to 20 creations in flight.
     */
    public static OrgConfig config(String orgName, int accounts) {
        OrgConfig base = config(orgName);
        if (accounts < base.accounts().size()) {
            throw new IllegalArgumentException("at least " + base.accounts().size() + " accounts");
        }
        String tag = UUID.randomUUID().toString().substring(0, 8);
        List<OrgConfig.Account> all = new java.util.ArrayList<>(base.accounts());
        for (int i = 1; all.size() < accounts; i++) {
            String key = String.format("member-%03d", i);
            all.add(new OrgConfig.Account(key, "Member " + i, key + "-" + tag + "@example.com",
                    List.of("Administrator", "Developer")));
        }
        OrgConfig.Organization org = base.organization();
        return new OrgConfig(new OrgConfig.Organization(org.name(), org.region(), org.managementRoles(),
                OrgConfig.MAX_CREATIONS_IN_FLIGHT), base.identityAccount(), List.copyOf(all), base.roles(),
                base.groups(), base.users(), base.passwordPolicy(), base.alerts());
    }

    /** A group that may assume {@code role} in the management account and in infosec, prod and non-prod. */
    private static OrgConfig.Group everywhere(String name, String role) {
        return new OrgConfig.Group(name, java.util.stream.Stream.of(OrgConfig.MANAGEMENT, "infosec", "prod", "non-prod")
                .map(account -> new OrgConfig.Grant(account, role)).toList());
    }

    private static OrgConfig.Group group(String name, String account, String role) {
        return new OrgConfig.Group(name, List.of(new OrgConfig.Grant(account, role)));
    }

    /**
     * Creates the config's member accounts directly (not through the phases) and returns the
     * run's {@code org} as await-accounts would: ready, with identity/members/targets.
     */
    public static RunState.Org accounts(Clients clients, OrgConfig config) {
        OrganizationsClient org = clients.build(OrganizationsClient.builder());
        software.amazon.awssdk.services.organizations.model.Organization organization;
        try {
            organization = org.describeOrganization().organization();
        } catch (AwsOrganizationsNotInUseException e) {
            organization = org.createOrganization(r -> r.featureSet("ALL")).organization();
        }
        String management = organization.masterAccountId();
        List<AccountRef> refs = new ArrayList<>();
        List<RunState.Target> members = new ArrayList<>();
        RunState.Target identity = null;
        for (OrgConfig.Account a : config.accounts()) {
            CreateAccountStatus s = org.createAccount(r -> r.accountName(a.name()).email(a.email()))
                    .createAccountStatus();
            refs.add(new AccountRef(a.key(), a.name(), a.email(), s.accountId(), s.id(), "SUCCEEDED", null, 1));
            RunState.Target t = new RunState.Target(a.key(), s.accountId());
            if (a.key().equals(config.identityAccount())) {
                identity = t;
            } else {
                members.add(t);
            }
        }
        members.add(new RunState.Target(OrgConfig.MANAGEMENT, management));
        List<RunState.Target> targets = new ArrayList<>(List.of(identity));
        targets.addAll(members);
        // the organization's real id: policies conditioned on aws:ResourceOrgID are evaluated against it
        return new RunState.Org(management, organization.id(), refs, true, 1, identity, members, targets, 0,
                List.of());
    }

    /**
     * The run's {@code org} as PlanAccounts returns it for an organization that does not exist
     * yet: every configured account planned, with no id; {@code managementAccountId} the caller's.
     */
    public static RunState.Org planned(OrgConfig config, String managementAccountId) {
        return RunState.Org.ready(managementAccountId, null, config.accounts().stream()
                .map(a -> new AccountRef(a.key(), a.name(), a.email(), null, null, "PLANNED", null, 0)).toList(),
                config.identityAccount(), 0, List.of());
    }

    /**
     * The management account's access into an account: the access role in a member account (what
     * the phases use before the temp-admin), its own credentials in the management account itself
     * (which has no access role: assuming one there is refused, on AWS and in the enforcing emulator).
     */
    public static AwsCredentialsProvider orgAccess(Clients clients, String accountId) {
        return orgAccess(clients).in(accountId);
    }

    /** {@link AccountAccess#organizationAccess} from the emulator's management account (whoever the test is). */
    public static AccountAccess orgAccess(Clients clients) {
        String self = clients.cached("sts|self", () -> clients.build(
                software.amazon.awssdk.services.sts.StsClient.builder())).getCallerIdentity().account();
        return OrganizationAccess.organizationAccess(clients, self);
    }

    public static Map<String, String> env() {
        return System.getenv();
    }

    /**
     * A role in the emulator's management account standing in for a plan phase's function role
     * (ApplyAccounts, RootLoginAlarms): trusted by the account, allowed what template.yaml allows
     * them towards member accounts, sts:AssumeRole on PalisadeAudit in the organization's
     * accounts. Returns its ARN.
     */
    public static String planPhaseRole(Clients clients, String managementAccountId, String name) {
        IamClient management = clients.build(IamClient.builder());
        String trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
                + "{\"AWS\":\"arn:aws:iam::" + managementAccountId + ":root\"},\"Action\":\"sts:AssumeRole\"}]}";
        String arn = management.createRole(r -> r.roleName(name).assumeRolePolicyDocument(trust)).role().arn();
        management.putRolePolicy(r -> r.roleName(name).policyName("AssumeAuditRole").policyDocument(
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\","
                        + "\"Resource\":\"arn:aws:iam::*:role/" + io.palisade.common.Names.AUDIT_ROLE + "\","
                        + "\"Condition\":{\"StringEquals\":{\"aws:ResourceOrgID\":\"${aws:PrincipalOrgID}\"}}}]}"));
        return arn;
    }

    /**
     * Clients of the emulated organization whose own credentials are those of {@code roleName} in
     * the management account, as a deployed function's are its execution role's.
     */
    public static Clients as(Clients clients, String managementAccountId, String roleName) {
        AwsCredentialsProvider creds = clients.assume(clients.baseCredentials(), managementAccountId, roleName);
        software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.Builder http =
                software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder();
        String ca = System.getenv("PALISADE_CA_BUNDLE");
        if (ca != null && !ca.isBlank()) {
            try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(ca))) {
                java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
                store.load(null, null);
                int i = 0;
                for (var cert : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("ca" + i++, cert);
                }
                var tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(store);
                var trust = tmf.getTrustManagers();
                http.tlsTrustManagersProvider(() -> trust);
            } catch (java.io.IOException | java.security.GeneralSecurityException e) {
                throw new IllegalStateException("PALISADE_CA_BUNDLE " + ca + " cannot be read", e);
            }
        }
        return new Clients(clients.region(), java.net.URI.create(System.getenv("PALISADE_ENDPOINT_URL")),
                http.build(), creds);
    }
}
