package io.palisade.applyaccounts;

import io.palisade.common.aws.Change;
import io.palisade.common.aws.Plan;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.securityhub.SecurityHubClient;
import software.amazon.awssdk.services.securityhub.model.AccessDeniedException;
import software.amazon.awssdk.services.securityhub.model.InvalidAccessException;
import software.amazon.awssdk.services.securityhub.model.Member;
import software.amazon.awssdk.services.securityhub.model.ResourceConflictException;
import software.amazon.awssdk.services.securityhub.model.ResourceNotFoundException;
import software.amazon.awssdk.services.securityhub.model.Result;
import software.amazon.awssdk.services.securityhub.model.StandardsStatus;
import software.amazon.awssdk.services.securityhub.model.StandardsSubscription;

/**
 * AWS Security Hub CSPM in one account, planned like the rest of the baseline: the account's hub,
 * the CIS AWS Foundations Benchmark v3.0.0 standard, and in the identity account (the delegated
 * administrator, designated by CreateAccounts) the organization configuration that enables new
 * accounts ({@code AutoEnable}) and every other Palisade account as an enabled member.
 *
 * <p>Why CIS v3.0.0 by {@code BatchEnableStandards}, not the default standards: the default set
 * (AWS Foundational Security Best Practices and CIS v1.2.0) is what {@code EnableSecurityHub}
 * and an administrator's {@code CreateMembers} enable, and it can change; Palisade's target is
 * the CIS AWS Foundations Benchmark, and v3.0.0 is the newest version Security Hub CSPM's
 * standards reference lists with a regional ARN ({@code arn:<partition>:securityhub:<region>::
 * standards/cis-aws-foundations-benchmark/v/3.0.0}). Enabled explicitly, a plan can see it
 * missing and a run restore it. Hubs Palisade enables itself get no default standards; what
 * CreateMembers enabled on its own is left alone.
 *
 * <p>Order in a run: the identity account is applied before the others, so its CreateMembers
 * enables Security Hub in each member account (AWS does that for organization accounts); a
 * member whose hub is not there yet (CreateMembers works asynchronously) enables it itself.
 * The management account's hub is CreateAccounts' work (it must exist before the administrator
 * adds the management account as a member), so here it gets only the standard.
 */
final class SecurityHubBaseline {
    static final String HUB = "securityhub:hub";
    static final String STANDARD = "securityhub:standard";
    static final String ORGANIZATION_CONFIGURATION = "securityhub:organization-configuration";
    static final String MEMBER = "securityhub:member";
    /** The standard's name in its ARN, as the plan shows it. */
    static final String CIS = "cis-aws-foundations-benchmark/v/3.0.0";
    /** A subscription in these states is the standard enabled (INCOMPLETE: some controls failed to enable). */
    private static final Set<StandardsStatus> ENABLED = Set.of(StandardsStatus.PENDING, StandardsStatus.READY,
            StandardsStatus.INCOMPLETE);
    private static final Logger LOG = LoggerFactory.getLogger(SecurityHubBaseline.class);

    private final SecurityHubClient securityHub;
    private final String partition;
    private final String region;

    /** @param securityHub the account's, in the organization's home region */
    SecurityHubBaseline(SecurityHubClient securityHub, String partition, String region) {
        this.securityHub = securityHub;
        this.partition = partition;
        this.region = region;
    }

    static String standardArn(String partition, String region) {
        return "arn:" + partition + ":securityhub:" + region + "::standards/" + CIS;
    }

    /**
     * The account's plan.
     *
     * @param management the management account: its hub is CreateAccounts', only the standard is planned
     * @param members    for the identity account (the administrator): every other Palisade account,
     *                   to be an enabled member; null for the others
     */
    Plan plan(Change.Account account, boolean management, List<Change.Account> members) {
        return plan(account, management, members, false);
    }

    /**
     * @param absent the account does not exist yet (a plan of a new organization): everything it
     *               will have is a create, the administrator's part included
     */
    Plan plan(Change.Account account, boolean management, List<Change.Account> members, boolean absent) {
        Plan plan = new Plan();
        boolean hub = hubEnabled();
        if (!hub && !management) {
            plan.add(Change.create(account, HUB, ""), conflictIsDone(
                    () -> securityHub.enableSecurityHub(r -> r.enableDefaultStandards(false))));
        }
        String arn = standardArn(partition, region);
        if (!hub || !standardEnabled(arn)) {
            plan.add(Change.create(account, STANDARD, CIS), () -> securityHub.batchEnableStandards(r -> r
                    .standardsSubscriptionRequests(s -> s.standardsArn(arn))));
        }
        if (members != null && !hub && !absent) {
            // designating the administrator turns its hub on (Security Hub User Guide, "Designating a
            // delegated administrator"), so an existing account without a hub is not the administrator:
            // UpdateOrganizationConfiguration and CreateMembers would be refused (on AWS this is a new
            // organization's first run, where CreateAccounts had no id for the account to designate)
            LOG.warn("Security Hub: account {} is not the organization's administrator yet (no hub): its organization "
                    + "configuration and members wait for the run after CreateAccounts designates it", account.label());
        } else if (members != null) {
            planAdministrator(plan, account, hub, members);
        }
        return plan;
    }

    private void planAdministrator(Plan plan, Change.Account account, boolean hub, List<Change.Account> members) {
        Boolean autoEnable = null;
        Map<String, String> status = new HashMap<>();
        if (hub) {
            try {
                autoEnable = securityHub.describeOrganizationConfiguration(r -> {}).autoEnable();
            } catch (AccessDeniedException | InvalidAccessException e) {
                // the designation is CreateAccounts' (plan and drift show it missing there): nothing to do here yet
                LOG.warn("Security Hub: account {} is not the organization's administrator yet ({}): its organization "
                        + "configuration and members wait for the run after CreateAccounts designates it",
                        account.label(), e.getClass().getSimpleName());
                return;
            }
            securityHub.listMembersPaginator(r -> r.onlyAssociated(false)).forEach(p -> p.members()
                    .forEach(m -> status.put(m.accountId(), statusOf(m))));
        }
        Runnable autoEnableCall = () -> securityHub.updateOrganizationConfiguration(r -> r.autoEnable(true));
        if (!hub) {  // no hub yet, so no organization configuration to read: all of it is to make
            plan.add(Change.create(account, ORGANIZATION_CONFIGURATION, ""), autoEnableCall);
        } else if (!Boolean.TRUE.equals(autoEnable)) {
            plan.add(Change.update(account, ORGANIZATION_CONFIGURATION, "", "autoEnable", true, autoEnable),
                    autoEnableCall);
        }
        for (Change.Account member : members) {
            if ("enabled".equals(status.get(member.id()))) {
                continue;
            }
            plan.add(Change.create(account, MEMBER, member.label()), () -> createMember(member));
        }
    }

    /** Adds one organization account; an account already a member counts as done. */
    private void createMember(Change.Account member) {
        List<Result> unprocessed = securityHub.createMembers(r -> r.accountDetails(d -> d.accountId(member.id())))
                .unprocessedAccounts();
        for (Result r : unprocessed) {
            String why = r.processingResult() == null ? "" : r.processingResult();
            if (!why.toLowerCase(Locale.ROOT).contains("already")) {
                throw new IllegalStateException("Security Hub did not add account " + member.label() + " ("
                        + r.accountId() + ") as a member: " + why);
            }
        }
    }

    private static String statusOf(Member m) {
        return m.memberStatus() == null ? "" : m.memberStatus().toLowerCase(Locale.ROOT);
    }

    private boolean standardEnabled(String arn) {
        for (var page : securityHub.getEnabledStandardsPaginator(r -> {})) {
            for (StandardsSubscription s : page.standardsSubscriptions()) {
                if (arn.equals(s.standardsArn()) && ENABLED.contains(s.standardsStatus())) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean hubEnabled() {
        try {
            securityHub.describeHub(r -> {});
            return true;
        } catch (InvalidAccessException | ResourceNotFoundException notSubscribed) {
            // InvalidAccessException: "not subscribed"; not-found: an account a plan sees before it exists
            return false;
        }
    }

    /** A repeated enable answers ResourceConflictException ("already subscribed"): done. */
    private static Runnable conflictIsDone(Runnable call) {
        return () -> {
            try {
                call.run();
            } catch (ResourceConflictException done) {
                LOG.info("Security Hub: already enabled ({})", done.getMessage());
            }
        };
    }
}
