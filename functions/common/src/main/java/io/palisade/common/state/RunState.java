package io.palisade.common.state;

import io.palisade.common.config.OneTimeLoginRequest;
import io.palisade.common.config.OrgConfig;
import java.util.List;

/**
 * The execution payload: every field any state of the state machine reads or writes, typed
 * (issue 9). Each phase returns only its own result, which the state machine stores under the
 * field named for it ({@code ResultPath}, or the field a run-level phase sets: {@code
 * PhaseHandler}'s result field); StateMachineStructureTest holds every state's result path to a
 * component here and its handler's result type to the component's type.
 *
 * <p>In the payload, {@code config} and {@code org} are references ({@link PayloadRefs}): a phase
 * sees them resolved. The per-account Map states iterate {@code batches}.
 * No secret ever travels here: the temp-admin's key is referenced by its secret's ARN.
 *
 * @param identityApplied the identity account's apply (or plan), as its Task state stores it
 * @param applied         one summary per Map item of the member accounts' apply (or plan)
 * @param alarms          one summary per Map item of the root-login alarms
 * @param teardown        the temp-admin's removal at the end of a changing run
 * @param report          the run report (the digest the run topic gets)
 * @param failedPhase     set by a Catch: the phase that failed
 * @param error           set by a Catch: its error and cause
 * @param compensation    the compensation's result after a failure
 * @param compensationError set when the compensation itself failed
 * @param lastTransientFailure set when an account creation failed in a way AWS asks to retry
 *                        (await-accounts' Catch, which goes back to create-accounts)
 * @param notifyError     set when the failure notice could not be published
 */
public record RunState(
        String mode,
        Boolean repair,
        OrgConfig config,
        OneTimeLoginRequest oneTimeLogin,
        Run run,
        Org org,
        PayloadRefs.Batches batches,
        StateRef state,
        TempAdmin tempAdmin,
        Applied identityApplied,
        List<BatchSummary> applied,
        LoginResult login,
        List<BatchSummary> alarms,
        TeardownReport teardown,
        RunResult report,
        String failedPhase,
        Failure error,
        Compensation compensation,
        Failure compensationError,
        Failure lastTransientFailure,
        Failure notifyError) {

    /** What the phases before the per-account work need (tests build these). */
    public RunState(String mode, OrgConfig config, OneTimeLoginRequest oneTimeLogin, Run run, Org org, StateRef state,
                    TempAdmin tempAdmin, List<BatchSummary> applied, LoginResult login, List<BatchSummary> alarms,
                    Failure error) {
        this(mode, null, config, oneTimeLogin, run, org, null, state, tempAdmin, null, applied, login, alarms, null,
                null, null, error, null, null, null, null);
    }

    public static final String BOOTSTRAP = "bootstrap";
    public static final String DRIFT = "drift";
    /** Computes the change set and changes nothing. */
    public static final String PLAN = "plan";
    /** Every mode a run (and each of its tasks) may have; none means {@link #BOOTSTRAP}. */
    public static final List<String> MODES = List.of(BOOTSTRAP, PLAN, DRIFT);

    /** The execution's identity, filled from the context object by the first state. */
    public record Run(String id, String startedAt, String executionArn) {
        public Run(String id, String startedAt) {
            this(id, startedAt, null);
        }
    }

    /** An account a baseline is applied to: a configured key (or {@code management}) and its id. */
    public record Target(String key, String accountId) {}

    /**
     * Result of create/await accounts. Once {@code ready}: {@code identity} is the InfoSec account,
     * {@code members} every other account the baseline reaches (management included), and
     * {@code targets} both, identity first: the items of the state machine's Map states.
     * {@code queued} counts accounts whose creation waits for a free slot: the state machine
     * goes back to create-accounts for them after its wait.
     */
    public record Org(
            String managementAccountId,
            String organizationId,
            List<AccountRef> accounts,
            Boolean ready,
            Integer polls,
            Target identity,
            List<Target> members,
            List<Target> targets,
            Integer queued,
            List<String> changes) {

        /**
         * A ready result: every account of {@code accounts} a target, the identity account
         * ({@code identityKey}) first, then the other members in config order, then the
         * management account. An account that does not exist yet (only in a plan) is a target
         * with no id.
         */
        public static Org ready(String managementAccountId, String organizationId, List<AccountRef> accounts,
                                String identityKey, Integer polls, List<String> changes) {
            Target identity = null;
            List<Target> members = new java.util.ArrayList<>();
            for (AccountRef a : accounts) {
                if (a.key().equals(identityKey)) {
                    identity = new Target(a.key(), a.id());
                } else {
                    members.add(new Target(a.key(), a.id()));
                }
            }
            members.add(new Target(OrgConfig.MANAGEMENT, managementAccountId));
            List<Target> targets = new java.util.ArrayList<>();
            targets.add(identity);
            targets.addAll(members);
            return new Org(managementAccountId, organizationId, List.copyOf(accounts), true, polls, identity,
                    List.copyOf(members), java.util.Collections.unmodifiableList(targets), 0, changes);
        }

        public AccountRef account(String key) {
            return accounts.stream().filter(a -> key.equals(a.key())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no account '" + key + "' in the run"));
        }
    }

    /**
     * Where the state record lives once migrated. {@code tookOverFrom} names the run whose lock
     * this run took because its execution had ended without releasing it (then the temp-admin
     * phase replaces every key that run left).
     */
    public record StateRef(String accountId, String bucket, String key, String tookOverFrom, List<String> changes) {
        public StateRef(String accountId, String bucket, String key, List<String> changes) {
            this(accountId, bucket, key, null, changes);
        }
    }

    /** The temp-admin identity; its access key is only in the secret. */
    public record TempAdmin(String userName, String userArn, String secretArn, String bootstrapRole,
                            List<String> changes) {
        /** The calls counted ({@link Tally#counted}): one CreateRole per account would grow with the accounts. */
        public TempAdmin {
            changes = Tally.counted(changes);
        }
    }

    /** The identity account's result, as its Task state stores it ({@code ResultSelector} {@code report}). */
    public record Applied(BatchSummary report) {}

    /** The compensation's result, as its Task state stores it ({@code ResultSelector} {@code report}). */
    public record Compensation(TeardownReport report) {}

    /** What a Catch put in the payload. */
    public record Failure(String Error, String Cause) {}

    public String runId() {
        return run == null || run.id() == null ? "manual" : run.id();
    }
}
