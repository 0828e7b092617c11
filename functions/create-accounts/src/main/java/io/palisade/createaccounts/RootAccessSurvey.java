package io.palisade.createaccounts;

import io.palisade.common.aws.Change;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.Parallel;
import io.palisade.common.state.AccountRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.FeatureType;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.organizations.model.EnabledServicePrincipal;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * Centralized root access (IAM User Guide, "Centrally manage root access for member accounts"),
 * read from the management account: is trusted access for {@code iam.amazonaws.com} on, are the
 * organization's {@code RootCredentialsManagement} and {@code RootSessions} features enabled, and
 * which root user credentials (password, access keys, MFA devices, signing certificates) each
 * member account has, read through {@code sts:AssumeRoot} with the task policy
 * {@code IAMAuditRootUserCredentials}. Only reads: a plan uses it alone ({@link RootAccess}
 * makes the changes), so the plan phase reaches no changing call (FunctionPermissionsTest).
 *
 * <p>How a credential shows: a finding line ({@code ! iam:root-access-key prod/AKIA...}) when
 * the config keeps root credentials, a planned removal ({@code - iam:root-access-key
 * prod/AKIA...}) in a plan when the config deletes them.
 */
public class RootAccessSurvey {
    static final String IAM_PRINCIPAL = "iam.amazonaws.com";
    static final String TRUSTED_ACCESS = "organizations:trusted-access";
    static final String FEATURE = "iam:organizations-feature";
    static final String AUDIT_TASK = "root-task/IAMAuditRootUserCredentials";
    static final String DELETE_TASK = "root-task/IAMDeleteRootUserCredentials";
    /** The symbol of a finding: something to know about, neither a change made nor one planned. */
    public static final String FINDING = "!";
    private static final Logger LOG = LoggerFactory.getLogger(RootAccessSurvey.class);

    final Clients clients;
    final OrganizationsClient organizations;
    final IamClient iam;
    final StsClient sts;

    /**
     * @param organizations the management account's (trusted access)
     * @param iam           the management account's (the organization features)
     * @param sts           the management account's: AssumeRoot into members
     */
    public RootAccessSurvey(Clients clients, OrganizationsClient organizations, IamClient iam, StsClient sts) {
        this.clients = clients;
        this.organizations = organizations;
        this.iam = iam;
        this.sts = sts;
    }

    /** One root credential of a member account: its kind ({@code access-key}, ...) and id. */
    public record Credential(String account, String kind, String id) {}

    /**
     * A plan's part: the changes that would centralize root access, then each member's root
     * credentials as planned removals ({@code delete}) or findings. Members are read only once
     * root sessions are enabled (AssumeRoot needs them); before, the plan says so in its log.
     */
    public List<String> plan(List<Change.Account> members, boolean delete) {
        List<String> lines = new ArrayList<>(changes().stream().map(Change::render).toList());
        if (!lines.isEmpty()) {
            LOG.info("Root credentials of {} member accounts are read once root sessions are enabled", members.size());
            return lines;
        }
        List<List<Credential>> found = read(members);
        for (int i = 0; i < members.size(); i++) {
            Change.Account member = members.get(i);
            found.get(i).forEach(c -> lines.add(line(member, c, delete)));
        }
        report(members, lines);
        return lines;
    }

    static void report(List<Change.Account> members, List<String> lines) {
        LOG.info("Root credentials of {} member accounts: {} found", members.size(),
                lines.stream().filter(l -> !l.startsWith("+")).count());
        lines.forEach(l -> LOG.info("  {}", l));
    }

    /** Everything centralizing root access takes: what an organization that does not exist yet needs. */
    public static List<Change> all() {
        List<Change> changes = new ArrayList<>();
        changes.add(Change.create(TRUSTED_ACCESS, IAM_PRINCIPAL));
        FeatureType.knownValues().stream().sorted().forEach(f -> changes.add(Change.create(FEATURE, f.toString())));
        return changes;
    }

    /** The changes that would centralize root access; none when it is. */
    public List<Change> changes() {
        if (!trusted()) {
            return all();
        }
        List<Change> changes = new ArrayList<>();
        Set<FeatureType> enabled = Set.copyOf(iam.listOrganizationsFeatures(r -> {}).enabledFeatures());
        FeatureType.knownValues().stream().filter(f -> !enabled.contains(f)).sorted()
                .forEach(f -> changes.add(Change.create(FEATURE, f.toString())));
        return changes;
    }

    /** The root credentials of one member account, read in a root session scoped to the audit task policy. */
    /**
     * Each member's root credentials, in the members' order, {@link Parallel#THREADS} accounts at a
     * time. Every member of the organization is read on every run (a scheduled drift run is what
     * notices a root password someone recovered), so this grows with the organization: read one
     * by one, 300 members are 1,500 calls in a row, each an AssumeRoot or a read as another
     * account's root, and under throttling each waits out its own backoff.
     */
    List<List<Credential>> read(List<Change.Account> members) {
        return Parallel.map(members, m -> credentials(m.id()));
    }

    public List<Credential> credentials(String accountId) {
        List<Credential> found = new ArrayList<>();
        try (IamClient root = rootSession(accountId, AUDIT_TASK)) {
            try {
                root.getLoginProfile(r -> {});
                found.add(new Credential(accountId, "password", "root"));
            } catch (NoSuchEntityException none) {
                // no console password: the state Palisade wants
            }
            root.listAccessKeys(r -> {}).accessKeyMetadata()
                    .forEach(k -> found.add(new Credential(accountId, "access-key", k.accessKeyId())));
            root.listMFADevices(r -> {}).mfaDevices()
                    .forEach(d -> found.add(new Credential(accountId, "mfa-device", d.serialNumber())));
            root.listSigningCertificates(r -> {}).certificates()
                    .forEach(c -> found.add(new Credential(accountId, "signing-certificate", c.certificateId())));
        }
        return found;
    }

    /**
     * The line of one credential: a planned removal ({@code -}) when the config deletes root
     * credentials, else a finding ({@code !}).
     */
    public static String line(Change.Account account, Credential c, boolean delete) {
        String rendered = Change.remove(account, "iam:root-" + c.kind(), c.id()).render();
        return delete ? rendered : FINDING + rendered.substring(1);
    }

    /**
     * The organization's active member accounts (the management account is no AssumeRoot
     * target), each labelled with its config key when the config names it.
     */
    public static List<Change.Account> members(List<Account> accounts, String managementAccountId,
                                               List<AccountRef> configured) {
        Map<String, String> keys = new HashMap<>();
        configured.stream().filter(a -> a.id() != null).forEach(a -> keys.put(a.id(), a.key()));
        return accounts.stream()
                .filter(a -> !a.id().equals(managementAccountId) && "ACTIVE".equals(a.statusAsString()))
                .map(a -> new Change.Account(a.id(), keys.get(a.id())))
                .sorted(Comparator.comparing(Change.Account::id))
                .toList();
    }

    private boolean trusted() {
        List<EnabledServicePrincipal> enabled = new ArrayList<>();
        organizations.listAWSServiceAccessForOrganizationPaginator(r -> {})
                .forEach(page -> enabled.addAll(page.enabledServicePrincipals()));
        return enabled.stream().anyMatch(p -> IAM_PRINCIPAL.equals(p.servicePrincipal()));
    }

    /**
     * IAM as the member's root user, allowed only what the task policy allows, for at most 15
     * minutes (the session is not renewed: one account's work takes seconds). Close it after use.
     */
    IamClient rootSession(String accountId, String task) {
        Credentials session = sts.assumeRoot(r -> r.targetPrincipal(accountId)
                .taskPolicyArn(p -> p.arn("arn:" + clients.partition() + ":iam::aws:policy/" + task))
                .durationSeconds(900)).credentials();
        return clients.build(IamClient.builder(), StaticCredentialsProvider.create(AwsSessionCredentials.create(
                session.accessKeyId(), session.secretAccessKey(), session.sessionToken())));
    }
}
