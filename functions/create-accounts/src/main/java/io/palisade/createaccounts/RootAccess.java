package io.palisade.createaccounts;

import io.palisade.common.aws.Change;
import io.palisade.common.aws.Clients;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Centralized root access, made so by a bootstrap: what {@link RootAccessSurvey} finds missing is
 * enabled (trusted access for IAM, then the two organization features, each only when missing),
 * then every member account's root credentials are read and, when the config says so
 * ({@code rootAccess.deleteMemberRootCredentials}), deleted through a root session scoped to
 * {@code IAMDeleteRootUserCredentials}.
 *
 * <p>Why the organization step and not the per-account phases: {@code AssumeRoot} can only be
 * called from the management account (or an IAM delegated administrator), which is where this
 * phase's role is; the per-account phases act in InfoSec and the members through roles there.
 * An account this run creates has no root credentials (Organizations makes it without a root
 * password); the next run (a scheduled drift run) reads it like any other.
 *
 * <p>What a bootstrap reports: a kept credential is a finding line ({@code ! iam:root-access-key
 * prod/AKIA...}), a deleted one a removal ({@code - iam:root-access-key prod/AKIA...}), beside the
 * calls that deleted it ({@code Iam:DeleteAccessKey}).
 */
public final class RootAccess extends RootAccessSurvey {
    private static final Logger LOG = LoggerFactory.getLogger(RootAccess.class);

    public RootAccess(Clients clients, OrganizationsClient organizations, IamClient iam, StsClient sts) {
        super(clients, organizations, iam, sts);
    }

    /**
     * Enables what is missing, then reads each member's root credentials and deletes them if
     * {@code delete}. Returns what it did and found, rendered: the enabling changes made, and one
     * line per credential, {@code -} when deleted, a finding ({@code !}) when kept. The reads run
     * a few accounts at a time ({@link #read}); the deletes, which are changes and rare, one by one.
     */
    public List<String> apply(List<Change.Account> members, boolean delete) {
        List<String> lines = new ArrayList<>(enable().stream().map(Change::render).toList());
        List<List<Credential>> found = read(members);
        for (int i = 0; i < members.size(); i++) {
            Change.Account member = members.get(i);
            if (delete) {
                delete(member.id(), found.get(i));
            }
            found.get(i).forEach(c -> lines.add(line(member, c, delete)));
        }
        report(members, lines);
        return lines;
    }

    /**
     * Makes {@link #changes()} come true: each call only when its part is missing (a re-run calls
     * nothing). Returns the changes made.
     */
    public List<Change> enable() {
        List<Change> changes = changes();
        for (Change change : changes) {
            LOG.info("Centralized root access: {}", change.render());
            switch (change.resourceType() + " " + change.resourceName()) {
                case TRUSTED_ACCESS + " " + IAM_PRINCIPAL ->
                        organizations.enableAWSServiceAccess(r -> r.servicePrincipal(IAM_PRINCIPAL));
                case FEATURE + " RootCredentialsManagement" -> iam.enableOrganizationsRootCredentialsManagement(r -> {});
                case FEATURE + " RootSessions" -> iam.enableOrganizationsRootSessions(r -> {});
                default -> throw new IllegalStateException("no call for " + change.render());
            }
        }
        return changes;
    }

    /** Deletes these root credentials of one member account; one already gone counts as deleted. */
    public void delete(String accountId, List<Credential> credentials) {
        if (credentials.isEmpty()) {
            return;
        }
        try (IamClient root = rootSession(accountId, DELETE_TASK)) {
            for (Credential c : credentials) {
                LOG.info("Deleting the root {} {} of account {}", c.kind(), c.id(), accountId);
                try {
                    switch (c.kind()) {
                        case "password" -> root.deleteLoginProfile(r -> {});
                        case "access-key" -> root.deleteAccessKey(r -> r.accessKeyId(c.id()));
                        case "mfa-device" -> root.deactivateMFADevice(r -> r.serialNumber(c.id()));
                        case "signing-certificate" -> root.deleteSigningCertificate(r -> r.certificateId(c.id()));
                        default -> throw new IllegalStateException("unknown root credential " + c.kind());
                    }
                } catch (NoSuchEntityException gone) {
                    // deleted since it was read (or by a lost response's first attempt): done
                }
            }
        }
    }
}
