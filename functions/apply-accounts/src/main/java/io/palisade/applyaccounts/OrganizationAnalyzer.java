package io.palisade.applyaccounts;

import io.palisade.common.Names;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.Plan;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import software.amazon.awssdk.services.accessanalyzer.AccessAnalyzerClient;
import software.amazon.awssdk.services.accessanalyzer.model.AnalyzerStatus;
import software.amazon.awssdk.services.accessanalyzer.model.AnalyzerSummary;
import software.amazon.awssdk.services.accessanalyzer.model.ConflictException;
import software.amazon.awssdk.services.accessanalyzer.model.ResourceNotFoundException;
import software.amazon.awssdk.services.accessanalyzer.model.Type;

/**
 * The organization's IAM Access Analyzer (CIS 1.20, Prowler {@code accessanalyzer_enabled}): one
 * analyzer of type {@code ORGANIZATION}, {@code <org>-palisade-organization}, in the identity
 * account, in the home region. The identity account may make it because CreateAccounts (or
 * AwaitAccounts) made it Access Analyzer's delegated administrator from the management account
 * ({@link io.palisade.common.aws.AnalyzerDelegation}). Its zone of trust is the organization,
 * so it covers every account, the management account included.
 *
 * <p>Read first ({@code GetAnalyzer}): missing is {@code +}; one of another type is replaced
 * (an analyzer's type cannot change); one that is not {@code ACTIVE} (or {@code CREATING}), e.g.
 * {@code DISABLED} after its account stopped being the delegated administrator, is drift and is
 * made again. Creates carry a client token fixed per run and analyzer, so a retried create
 * after a lost answer returns the same analyzer; "a conflict" on create (an analyzer of that name
 * made by an earlier attempt with another token) is done too.
 *
 * <p>On AWS, CreateAnalyzer makes the service-linked role {@code AWSServiceRoleForAccessAnalyzer}
 * in the account if it has none, so the caller needs {@code iam:CreateServiceLinkedRole} for
 * {@code access-analyzer.amazonaws.com} (IAM User Guide, "Using service-linked roles for AWS
 * Identity and Access Management Access Analyzer"): the bootstrap role has it.
 */
final class OrganizationAnalyzer {
    static final String ANALYZER = "access-analyzer:analyzer";

    private final AccessAnalyzerClient analyzers;
    private final Change.Account account;

    OrganizationAnalyzer(AccessAnalyzerClient analyzers, Change.Account account) {
        this.analyzers = analyzers;
        this.account = account;
    }

    /** Reads the analyzer and plans what differs; changes nothing. */
    Plan plan(String organizationName, String runId) {
        String name = Names.organizationAnalyzer(organizationName);
        Plan plan = new Plan();
        AnalyzerSummary have = find(name);
        Runnable create = () -> create(name, runId);
        if (have == null) {
            return plan.add(Change.create(account, ANALYZER, name), create);
        }
        Runnable replace = () -> {
            analyzers.deleteAnalyzer(r -> r.analyzerName(name).clientToken(token(name, runId + "|delete")));
            create.run();
        };
        if (have.type() != Type.ORGANIZATION) {
            return plan.add(Change.update(account, ANALYZER, name, "type", Type.ORGANIZATION.toString(),
                    have.typeAsString()), replace);
        }
        if (have.status() != AnalyzerStatus.ACTIVE && have.status() != AnalyzerStatus.CREATING) {
            plan.add(Change.update(account, ANALYZER, name, "status", AnalyzerStatus.ACTIVE.toString(),
                    have.statusAsString()), replace);
        }
        return plan;
    }

    private void create(String name, String runId) {
        try {
            analyzers.createAnalyzer(r -> r.analyzerName(name).type(Type.ORGANIZATION)
                    .clientToken(token(name, runId)));
        } catch (ConflictException made) {
            // an earlier attempt of this phase (another invocation, the same run) made it: done
            AnalyzerSummary now = find(name);
            if (now == null || now.type() != Type.ORGANIZATION) {
                throw made;
            }
        }
    }

    /** The analyzer of this name, or {@code null}. */
    AnalyzerSummary find(String name) {
        try {
            return analyzers.getAnalyzer(r -> r.analyzerName(name)).analyzer();
        } catch (ResourceNotFoundException none) {
            return null;
        }
    }

    /**
     * The client token of one create: the same for every attempt within a run (the SDK's retries
     * and the state machine's), another for the next run, so an analyzer deleted since is made
     * again rather than answered from AWS's memory of the token.
     */
    static String token(String name, String runId) {
        return UUID.nameUUIDFromBytes((name + "|" + runId).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
