package io.palisade.applyaccounts;

import io.palisade.common.Names;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.policy.PolicyDocument;
import io.palisade.common.aws.PolicyLimits;
import io.palisade.common.Json;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.InvalidConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.GetGroupResponse;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.PasswordPolicy;
import software.amazon.awssdk.services.iam.model.UpdateAccountPasswordPolicyRequest;
import software.amazon.awssdk.services.iam.model.User;

/**
 * The identity account's people: password policy, groups (each granting only the roles the
 * config names), users and their memberships.
 *
 * <p>Palisade's groups live under the path {@value #Names.IAM_PATH} (IAM groups cannot be tagged),
 * so a group dropped from the config is still recognised and emptied. Users are never deleted:
 * deleting one destroys its credentials and history, a decision for a human. A user dropped
 * from the config only loses its memberships in Palisade's groups (which removes every grant
 * Palisade gave it) and is reported as retired.
 */
final class Directory {
    static final String ASSUME_ROLES_POLICY = "AssumeRoles";
    static final String SELF_SERVICE_POLICY = "ManageOwnCredentials";

    record Result(List<AccountReport.Group> groups, List<AccountReport.User> users, List<String> retired) {
        static final Result EMPTY = new Result(List.of(), List.of(), List.of());
    }

    private final IamClient iam;
    private final String partition;

    Directory(IamClient iam, String partition) {
        this.iam = iam;
        this.partition = partition;
    }

    /** @param accountIdOf the id of the account with a config key ({@code management} included) */
    Result ensure(OrgConfig config, Function<String, String> accountIdOf) {
        if (config.passwordPolicy() != null) {
            ensurePasswordPolicy(config.passwordPolicy());
        }
        List<OrgConfig.Group> configGroups = config.groups() == null ? List.of() : config.groups();
        List<OrgConfig.User> configUsers = config.users() == null ? List.of() : config.users();

        // desired: each managed group's inline policy (name -> document) and members
        Map<String, Map<String, Object>> policies = new LinkedHashMap<>();
        Map<String, List<String>> roleArns = new LinkedHashMap<>();
        policies.put(Names.ALL_USERS_GROUP,
                Map.of(SELF_SERVICE_POLICY, PolicyDocuments.manageOwnCredentials(partition)));
        roleArns.put(Names.ALL_USERS_GROUP, List.of());
        for (OrgConfig.Group group : configGroups) {
            List<String> arns = roleArns(group, accountIdOf);
            roleArns.put(group.name(), arns);
            policies.put(group.name(), arns.isEmpty() ? Map.of()
                    : Map.of(ASSUME_ROLES_POLICY, PolicyDocuments.assumeRoles(arns)));
        }
        // before any change: IAM refuses a group whose inline policies together pass 5,120 characters
        policies.forEach((group, documents) -> PolicyLimits.requireAggregate(PolicyLimits.Kind.IAM_GROUP_INLINE,
                "groups." + group + " (too many accounts for one group: split it, a user may be in up to 10 groups)",
                documents.values()));
        Map<String, Set<String>> members = new LinkedHashMap<>();
        policies.keySet().forEach(g -> members.put(g, new TreeSet<>()));
        List<AccountReport.User> users = new ArrayList<>();
        for (OrgConfig.User user : configUsers) {
            List<String> groups = new ArrayList<>(List.of(Names.ALL_USERS_GROUP));
            for (String g : user.groups() == null ? List.<String>of() : user.groups()) {
                if (!members.containsKey(g) || Names.ALL_USERS_GROUP.equals(g)) {
                    throw new InvalidConfigException("users." + user.name() + ".groups: '" + g
                            + "' is not a group in the config");
                }
                groups.add(g);
            }
            groups.forEach(g -> members.get(g).add(user.name()));
            users.add(new AccountReport.User(user.name(), List.copyOf(groups)));
        }

        Set<String> configured = new LinkedHashSet<>();
        configUsers.forEach(u -> configured.add(u.name()));
        Set<String> retired = new TreeSet<>();

        Map<String, Set<String>> current = new LinkedHashMap<>();
        for (String group : policies.keySet()) {
            current.put(group, ensureGroup(group, policies.get(group)));
        }
        for (OrgConfig.User user : configUsers) {
            ensureUser(user.name());
        }
        for (var e : members.entrySet()) {
            String group = e.getKey();
            Set<String> have = current.get(group);
            for (String user : e.getValue()) {
                if (!have.contains(user)) {
                    ChangeExecutor.update("iam:group-membership", group + " " + user,
                            () -> iam.addUserToGroup(r -> r.groupName(group).userName(user)));
                }
            }
            for (String user : have) {
                if (!e.getValue().contains(user)) {
                    removeMember(group, user);
                    if (!configured.contains(user)) {
                        retired.add(user);
                    }
                }
            }
        }
        retired.addAll(removeStaleGroups(policies.keySet(), configured));

        List<AccountReport.Group> groups = new ArrayList<>();
        roleArns.forEach((name, arns) -> groups.add(new AccountReport.Group(name, arns)));
        return new Result(List.copyOf(groups), List.copyOf(users), List.copyOf(retired));
    }

    private List<String> roleArns(OrgConfig.Group group, Function<String, String> accountIdOf) {
        Set<String> arns = new LinkedHashSet<>();
        for (OrgConfig.Grant grant : group.assume() == null ? List.<OrgConfig.Grant>of() : group.assume()) {
            arns.add(Names.roleArn(partition, accountIdOf.apply(grant.account()), grant.role()));
        }
        return List.copyOf(arns);
    }

    void ensurePasswordPolicy(OrgConfig.PasswordPolicy want) {
        PasswordPolicy have;
        try {
            have = iam.getAccountPasswordPolicy().passwordPolicy();
        } catch (NoSuchEntityException e) {
            have = null;
        }
        if (!passwordPolicyMatches(want, have)) {
            iam.updateAccountPasswordPolicy(passwordPolicyRequest(want));
        }
    }

    /** Whether {@code have} already enforces {@code want}; a field the config leaves out is not compared. */
    static boolean passwordPolicyMatches(OrgConfig.PasswordPolicy want, PasswordPolicy have) {
        if (have == null) {
            return false;
        }
        return same(want.minimumLength(), have.minimumPasswordLength())
                && same(want.requireUppercase(), have.requireUppercaseCharacters())
                && same(want.requireLowercase(), have.requireLowercaseCharacters())
                && same(want.requireNumbers(), have.requireNumbers())
                && same(want.requireSymbols(), have.requireSymbols())
                && same(want.allowUsersToChange(), have.allowUsersToChangePassword())
                // IAM leaves these out when off; the config says 0
                && sameCount(want.reusePrevention(), have.passwordReusePrevention())
                && sameCount(want.maxAgeDays(), have.maxPasswordAge());
    }

    static UpdateAccountPasswordPolicyRequest passwordPolicyRequest(OrgConfig.PasswordPolicy want) {
        var r = UpdateAccountPasswordPolicyRequest.builder()
                .minimumPasswordLength(want.minimumLength())
                .requireUppercaseCharacters(want.requireUppercase())
                .requireLowercaseCharacters(want.requireLowercase())
                .requireNumbers(want.requireNumbers())
                .requireSymbols(want.requireSymbols())
                .allowUsersToChangePassword(want.allowUsersToChange());
        if (want.reusePrevention() != null && want.reusePrevention() > 0) {
            r.passwordReusePrevention(want.reusePrevention());
        }
        if (want.maxAgeDays() != null && want.maxAgeDays() > 0) {
            r.maxPasswordAge(want.maxAgeDays());
        }
        return r.build();
    }

    private static boolean same(Object want, Object have) {
        return want == null || want.equals(have);
    }

    private static boolean sameCount(Integer want, Integer have) {
        return want == null || want.intValue() == (have == null ? 0 : have);
    }

    /**
     * Creates the group if missing; makes its inline policies exactly {@code policies} and
     * detaches any managed policy (a Palisade group grants only what the config says).
     * Returns its current members.
     */
    private Set<String> ensureGroup(String group, Map<String, Object> policies) {
        Found found = find(group);
        Set<String> members;
        if (found == null) {
            ChangeExecutor.create("iam:group", group,
                    () -> iam.createGroup(r -> r.groupName(group).path(Names.IAM_PATH)));
            found = find(group); // a lost answer may have made it with members added since: read it
        }
        if (found == null) {
            members = Set.of();
        } else {
            members = found.members();
            if (!Names.IAM_PATH.equals(found.path())) {
                // adopted (made by hand): moved under Palisade's path so a later removal from the config is seen
                iam.updateGroup(r -> r.groupName(group).newPath(Names.IAM_PATH));
            }
        }
        List<String> inline = iam.listGroupPoliciesPaginator(r -> r.groupName(group)).policyNames().stream().toList();
        for (var e : policies.entrySet()) {
            String name = e.getKey();
            boolean same = inline.contains(name) && PolicyDocument.equivalent(PolicyDocument.parse(
                    iam.getGroupPolicy(r -> r.groupName(group).policyName(name)).policyDocument()), e.getValue());
            if (!same) {
                iam.putGroupPolicy(r -> r.groupName(group).policyName(name).policyDocument(Json.write(e.getValue())));
            }
        }
        for (String name : inline) {
            if (!policies.containsKey(name)) {
                deleteGroupPolicy(group, name);
            }
        }
        detachAll(group);
        return members;
    }

    private record Found(String path, Set<String> members) {}

    /** The group's path and members, or {@code null} when it does not exist. */
    private Found find(String group) {
        try {
            String path = null;
            Set<String> names = new TreeSet<>();
            for (GetGroupResponse page : iam.getGroupPaginator(r -> r.groupName(group))) {
                path = page.group().path();
                page.users().forEach(u -> names.add(u.userName()));
            }
            return new Found(path, names);
        } catch (NoSuchEntityException e) {
            return null;
        }
    }

    private void detachAll(String group) {
        for (AttachedPolicy p : iam.listAttachedGroupPoliciesPaginator(r -> r.groupName(group)).attachedPolicies()) {
            ChangeExecutor.remove("iam:group-policy-attachment", group + " " + p.policyArn(),
                    () -> iam.detachGroupPolicy(r -> r.groupName(group).policyArn(p.policyArn())));
        }
    }

    private void removeMember(String group, String user) {
        ChangeExecutor.remove("iam:group-membership", group + " " + user,
                () -> iam.removeUserFromGroup(r -> r.groupName(group).userName(user)));
    }

    private void deleteGroupPolicy(String group, String name) {
        ChangeExecutor.remove("iam:group-policy", group + " " + name,
                () -> iam.deleteGroupPolicy(r -> r.groupName(group).policyName(name)));
    }

    /** Creates the user if missing (tagged as Palisade's); an existing untagged user is tagged. */
    private void ensureUser(String name) {
        User user;
        try {
            user = iam.getUser(r -> r.userName(name)).user();
        } catch (NoSuchEntityException e) {
            if (ChangeExecutor.create("iam:user", name, () -> iam.createUser(r -> r.userName(name)
                    .tags(ApplyAccounts.managedTag()))) == ChangeExecutor.Outcome.APPLIED) {
                return;
            }
            user = iam.getUser(r -> r.userName(name)).user(); // a lost answer: made, and tagged
        }
        boolean tagged = user.hasTags() && user.tags().stream()
                .anyMatch(t -> Names.MANAGED_TAG.equals(t.key()) && "true".equals(t.value()));
        if (!tagged) {
            iam.tagUser(r -> r.userName(name).tags(ApplyAccounts.managedTag()));
        }
    }

    /**
     * Groups under {@value #Names.IAM_PATH} that the config no longer has: emptied, stripped of their
     * policies and deleted (a group holds no data). Returns their members that are not in the config.
     */
    private Set<String> removeStaleGroups(Set<String> managed, Set<String> configured) {
        Set<String> retired = new TreeSet<>();
        List<String> stale = iam.listGroupsPaginator(r -> r.pathPrefix(Names.IAM_PATH)).groups().stream()
                .map(g -> g.groupName()).filter(g -> !managed.contains(g)).toList();
        for (String group : stale) {
            Found found = find(group);
            for (String user : found == null ? Set.<String>of() : found.members()) {
                removeMember(group, user);
                if (!configured.contains(user)) {
                    retired.add(user);
                }
            }
            for (String name : iam.listGroupPoliciesPaginator(r -> r.groupName(group)).policyNames()) {
                deleteGroupPolicy(group, name);
            }
            detachAll(group);
            ChangeExecutor.remove("iam:group", group, () -> iam.deleteGroup(r -> r.groupName(group)));
        }
        return retired;
    }
}
