package io.palisade.common.aws;

import io.palisade.common.Names;
import io.palisade.common.errors.CleanupIncompleteException;
import io.palisade.common.errors.TransientAwsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Removes what a run makes that grants access: the bootstrap role and the temp-admin user (its
 * keys, policies, memberships) in every given account, by their fixed names, and the secret
 * that holds the key; then reads each back to prove it is gone. Used by the teardown, the
 * compensation, the execution-status cleanup and the temp-admin phase's own fence, so they
 * all remove the same things the same way, whatever their payload knows.
 *
 * <p>{@link #ownedBy(String)} fences a removal to one run: the temp-admin user, the secret and each
 * bootstrap role carry the {@code palisade:run} tag of the run that made (or last took over)
 * them, and a fenced removal leaves alone whatever a later run tagged as its own. A cleanup that
 * releases the lock before its last pass (so a stopped run's late work is removed too) would
 * otherwise delete the temp-admin of the next run, started the moment the lock was free.
 */
public final class TempAdminRemoval {
    private static final Logger LOG = LoggerFactory.getLogger(TempAdminRemoval.class);

    /** What was removed now, and what is still there (with why), after the check. */
    public record Result(List<String> removed, List<String> left, boolean transientOnly) {
        /** Throws unless everything is gone: transient causes are retried, others are final. */
        public Result requireComplete() {
            if (left.isEmpty()) {
                return this;
            }
            String message = "Could not remove everything that grants access; still there: " + String.join("; ", left);
            if (transientOnly) {
                throw new TransientAwsException(message, null);
            }
            throw new CleanupIncompleteException(message);
        }
    }

    private final Function<String, IamClient> iamIn;
    private final SecretsManagerClient secrets;

    /** @param iamIn IAM acting in an account (by id) with rights to delete those names there */
    public TempAdminRemoval(Function<String, IamClient> iamIn, SecretsManagerClient secrets) {
        this(iamIn, secrets, null);
    }

    private TempAdminRemoval(Function<String, IamClient> iamIn, SecretsManagerClient secrets, String owner) {
        this.iamIn = iamIn;
        this.secrets = secrets;
        this.owner = owner;
    }

    /** The same removal, touching only what run {@code runId} made or has no run tag (made before tags). */
    public TempAdminRemoval ownedBy(String runId) {
        return new TempAdminRemoval(iamIn, secrets, runId);
    }

    private final String owner;

    /** Whether a resource with this run tag (null: none) may be removed by this removal. */
    boolean mine(String runTag) {
        return owner == null || runTag == null || owner.equals(runTag);
    }

    private static String runTag(List<? extends Object> tags) {
        if (tags == null) {
            return null;
        }
        for (Object t : tags) {
            if (t instanceof software.amazon.awssdk.services.iam.model.Tag i && Names.RUN_TAG.equals(i.key())) {
                return i.value();
            }
            if (t instanceof software.amazon.awssdk.services.secretsmanager.model.Tag m
                    && Names.RUN_TAG.equals(m.key())) {
                return m.value();
            }
        }
        return null;
    }

    /** @param accounts account ids by a label for messages (e.g. the config key) */
    public Result remove(Map<String, String> accounts) {
        // each account's removal, then each account's read-back, a few accounts at a time (each is
        // its own account's IAM); results merged in the accounts' order
        List<Map.Entry<String, String>> each = List.copyOf(accounts.entrySet());
        List<Outcome> removals = Parallel.map(each, e -> {
            Outcome o = new Outcome();
            String what = "role " + Names.BOOTSTRAP_ROLE + " in " + e.getKey();
            attempt(what, o.removed, o.left, o.transientOnly, () -> deleteRole(iamIn.apply(e.getValue())));
            String user = "user " + Names.TEMP_ADMIN_USER + " in " + e.getKey();
            attempt(user, o.removed, o.left, o.transientOnly, () -> deleteUser(iamIn.apply(e.getValue())));
            return o;
        });
        Outcome all = Outcome.merge(removals);
        attempt("secret " + Names.TEMP_ADMIN_SECRET, all.removed, all.left, all.transientOnly, this::deleteSecret);
        if (all.left.isEmpty()) {
            // removal answered; prove it with a read of each
            all = Outcome.merge(List.of(all, Outcome.merge(Parallel.map(each, e -> {
                Outcome o = new Outcome();
                check("role " + Names.BOOTSTRAP_ROLE + " in " + e.getKey(), o.left, o.transientOnly,
                        () -> notAnother(runTag(iamIn.apply(e.getValue())
                                .getRole(r -> r.roleName(Names.BOOTSTRAP_ROLE)).role().tags())));
                check("user " + Names.TEMP_ADMIN_USER + " in " + e.getKey(), o.left, o.transientOnly,
                        () -> notAnother(runTag(iamIn.apply(e.getValue())
                                .getUser(r -> r.userName(Names.TEMP_ADMIN_USER)).user().tags())));
                return o;
            }))));
            check("secret " + Names.TEMP_ADMIN_SECRET, all.left, all.transientOnly, () -> {
                // a force-deleted secret may still be described for a moment, with its deletion date
                var secret = secrets.describeSecret(r -> r.secretId(Names.TEMP_ADMIN_SECRET));
                if (secret.deletedDate() != null) {
                    throw ResourceNotFoundException.builder().message("deleted").build();
                }
                notAnother(runTag(secret.tags()));
            });
        }
        LOG.info("Temp-admin removal: removed {}, left {}", all.removed, all.left);
        return new Result(List.copyOf(all.removed), List.copyOf(all.left), all.transientOnly[0]);
    }

    /** What one account's removal (or read-back) found; merged in the accounts' order. */
    private static final class Outcome {
        final List<String> removed = new ArrayList<>();
        final List<String> left = new ArrayList<>();
        final boolean[] transientOnly = {true};

        static Outcome merge(List<Outcome> parts) {
            Outcome all = new Outcome();
            for (Outcome o : parts) {
                all.removed.addAll(o.removed);
                all.left.addAll(o.left);
                all.transientOnly[0] &= o.transientOnly[0];
            }
            return all;
        }
    }

    private interface Step {
        boolean run();
    }

    private static void attempt(String what, List<String> removed, List<String> left, boolean[] transientOnly,
                                Step step) {
        try {
            if (step.run()) {
                removed.add(what);
            }
        } catch (RuntimeException e) {
            if (AwsErrors.assumeRoleDenied(e)) {
                // the account's access role cannot be assumed (invited without one, or removed):
                // Palisade acts only through it, so it can have made nothing there
                LOG.info("Not looking for {}: the account's access role cannot be assumed", what);
                return;
            }
            RuntimeException c = AwsErrors.classify(e);
            transientOnly[0] &= c instanceof TransientAwsException;
            left.add(what + " (" + (AwsErrors.code(e) == null ? e.getClass().getSimpleName() : AwsErrors.code(e))
                    + ": " + e.getMessage() + ")");
        }
    }

    /** A resource a later run owns is not this removal's leftover: read as "not found". */
    private void notAnother(String runTag) {
        if (!mine(runTag)) {
            throw ResourceNotFoundException.builder().message("belongs to run " + runTag).build();
        }
    }

    /** Records {@code what} as left unless {@code read} answers "not found". */
    private static void check(String what, List<String> left, boolean[] transientOnly, Runnable read) {
        try {
            read.run();
            transientOnly[0] = false;
            left.add(what + " (still exists after its removal)");
        } catch (RuntimeException e) {
            if (!AwsErrors.notFound(e) && !(e instanceof ResourceNotFoundException) && !AwsErrors.assumeRoleDenied(e)) {
                transientOnly[0] &= AwsErrors.classify(e) instanceof TransientAwsException;
                left.add(what + " (cannot be checked: " + e.getMessage() + ")");
            }
        }
    }

    boolean deleteRole(IamClient iam) {
        String role = Names.BOOTSTRAP_ROLE;
        try {
            String tag = runTag(iam.getRole(r -> r.roleName(role)).role().tags());
            if (!mine(tag)) {
                LOG.info("Role {} belongs to run {}: left to it", role, tag);
                return false;
            }
            for (String p : iam.listRolePolicies(r -> r.roleName(role)).policyNames()) {
                ChangeExecutor.remove("iam:role-policy", role + " " + p,
                        () -> iam.deleteRolePolicy(r -> r.roleName(role).policyName(p)));
            }
            for (var p : iam.listAttachedRolePolicies(r -> r.roleName(role)).attachedPolicies()) {
                ChangeExecutor.remove("iam:role-policy-attachment", role + " " + p.policyArn(),
                        () -> iam.detachRolePolicy(r -> r.roleName(role).policyArn(p.policyArn())));
            }
        } catch (RuntimeException e) {
            if (AwsErrors.notFound(e)) {
                return false; // nothing of that name here
            }
            throw e;
        }
        return ChangeExecutor.remove("iam:role", role, () -> iam.deleteRole(r -> r.roleName(role)));
    }

    boolean deleteUser(IamClient iam) {
        String user = Names.TEMP_ADMIN_USER;
        try {
            String tag = runTag(iam.getUser(r -> r.userName(user)).user().tags());
            if (!mine(tag)) {
                LOG.info("User {} belongs to run {}: left to it", user, tag);
                return false;
            }
            for (var k : iam.listAccessKeys(r -> r.userName(user)).accessKeyMetadata()) {
                ChangeExecutor.remove("iam:access-key", k.accessKeyId(),
                        () -> iam.deleteAccessKey(r -> r.userName(user).accessKeyId(k.accessKeyId())));
            }
            for (String p : iam.listUserPolicies(r -> r.userName(user)).policyNames()) {
                ChangeExecutor.remove("iam:user-policy", user + " " + p,
                        () -> iam.deleteUserPolicy(r -> r.userName(user).policyName(p)));
            }
            for (var p : iam.listAttachedUserPolicies(r -> r.userName(user)).attachedPolicies()) {
                ChangeExecutor.remove("iam:user-policy-attachment", user + " " + p.policyArn(),
                        () -> iam.detachUserPolicy(r -> r.userName(user).policyArn(p.policyArn())));
            }
            for (var g : iam.listGroupsForUser(r -> r.userName(user)).groups()) {
                ChangeExecutor.remove("iam:group-membership", g.groupName() + " " + user,
                        () -> iam.removeUserFromGroup(r -> r.userName(user).groupName(g.groupName())));
            }
        } catch (RuntimeException e) {
            if (AwsErrors.notFound(e)) {
                return false; // nothing of that name here
            }
            throw e;
        }
        return ChangeExecutor.remove("iam:user", user, () -> iam.deleteUser(r -> r.userName(user)));
    }

    private boolean deleteSecret() {
        String arn;
        try {
            // look first: a run that failed before the temp-admin existed changes nothing
            var secret = secrets.describeSecret(r -> r.secretId(Names.TEMP_ADMIN_SECRET));
            String tag = runTag(secret.tags());
            if (!mine(tag)) {
                LOG.info("Secret {} belongs to run {}: left to it", Names.TEMP_ADMIN_SECRET, tag);
                return false;
            }
            arn = secret.arn();
        } catch (ResourceNotFoundException e) {
            return false;
        }
        return ChangeExecutor.remove("secretsmanager:secret", Names.TEMP_ADMIN_SECRET,
                () -> secrets.deleteSecret(r -> r.secretId(arn).forceDeleteWithoutRecovery(true)));
    }
}
