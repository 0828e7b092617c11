package io.palisade.applyaccounts;

import io.palisade.common.Names;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.aws.Plan;
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
import software.amazon.awssdk.services.iam.model.User;

/**
 * The identity account's people: groups (each granting only the roles the config names), users
 * and their memberships. (The password policy is every account's: {@link AccountSettings}.)
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

    /** What the directory will be ({@code result}) and the changes that make it so ({@code plan}). */
    record Planned(Plan plan, Result result) {}

    private final IamClient iam;
    private final String partition;
    private final Change.Account account;

    Directory(IamClient iam, String partition, Change.Account account) {
        this.iam = iam;
        this.partition = partition;
        this.account = account;
    }

    /**
     * Reads the directory and plans what differs from the config; changes nothing. A group that
     * does not exist is planned with its policies, and its members as memberships to add.
     *
     * @param accountIdOf the id of the account with a config key ({@code management} included)
     */
    Planned plan(OrgConfig config, Function<String, String> accountIdOf) {
        Plan plan = new Plan();
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
            current.put(group, planGroup(plan, group, policies.get(group)));
        }
        for (OrgConfig.User user : configUsers) {
            planUser(plan, user.name());
        }
        for (var e : members.entrySet()) {
            String group = e.getKey();
            Set<String> have = current.get(group);
            for (String user : e.getValue()) {
                if (!have.contains(user)) {
                    plan.add(Change.create(account, "iam:group-membership", group + " " + user),
                            () -> iam.addUserToGroup(r -> r.groupName(group).userName(user)));
                }
            }
            for (String user : have) {
                if (!e.getValue().contains(user)) {
                    // a member the config does not put there, a hand-added user included: drift
                    plan.addAll(removeMember(group, user));
                    if (!configured.contains(user)) {
                        retired.add(user);
                    }
                }
            }
        }
        retired.addAll(planStaleGroups(plan, policies.keySet(), configured));

        List<AccountReport.Group> groups = new ArrayList<>();
        roleArns.forEach((name, arns) -> groups.add(new AccountReport.Group(name, arns)));
        return new Planned(plan, new Result(List.copyOf(groups), List.copyOf(users), List.copyOf(retired)));
    }

    private List<String> roleArns(OrgConfig.Group group, Function<String, String> accountIdOf) {
        Set<String> arns = new LinkedHashSet<>();
        for (OrgConfig.Grant grant : group.assume() == null ? List.<OrgConfig.Grant>of() : group.assume()) {
            arns.add(Names.roleArn(partition, accountIdOf.apply(grant.account()), grant.role()));
        }
        return List.copyOf(arns);
    }

    /**
     * A missing group is one {@code +} (made with its policies); an existing one gets its path,
     * inline policies (exactly {@code policies}) and managed attachments (none: a Palisade group
     * grants only what the config says) planned. Returns its current members.
     */
    private Set<String> planGroup(Plan plan, String group, Map<String, Object> policies) {
        Found found = find(group);
        if (found == null) {
            Change create = Change.create(account, "iam:group", group);
            plan.add(create, () -> {
                ChangeExecutor.create(create, () -> iam.createGroup(r -> r.groupName(group).path(Names.IAM_PATH)));
                policies.forEach((name, document) -> iam.putGroupPolicy(r -> r.groupName(group).policyName(name)
                        .policyDocument(Json.write(document))));
            });
            return Set.of();
        }
        if (!Names.IAM_PATH.equals(found.path())) {
            // adopted (made by hand): moved under Palisade's path so a later removal from the config is seen
            plan.add(Change.update(account, "iam:group", group, "path", Names.IAM_PATH, found.path()),
                    () -> iam.updateGroup(r -> r.groupName(group).newPath(Names.IAM_PATH)));
        }
        List<String> inline = iam.listGroupPoliciesPaginator(r -> r.groupName(group)).policyNames().stream().toList();
        for (var e : policies.entrySet()) {
            String name = e.getKey();
            Runnable put = () -> iam.putGroupPolicy(r -> r.groupName(group).policyName(name)
                    .policyDocument(Json.write(e.getValue())));
            if (!inline.contains(name)) {
                plan.add(Change.create(account, "iam:group-policy", group + " " + name), put);
                continue;
            }
            var have = PolicyDocument.parse(
                    iam.getGroupPolicy(r -> r.groupName(group).policyName(name)).policyDocument());
            if (!PolicyDocument.equivalent(have, e.getValue())) {
                plan.add(Change.update(account, "iam:group-policy", group + " " + name, "policy", e.getValue(), have),
                        put);
            }
        }
        for (String name : inline) {
            if (!policies.containsKey(name)) {
                plan.addAll(deleteGroupPolicy(group, name));
            }
        }
        plan.addAll(detachAll(group));
        return found.members();
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

    private Plan detachAll(String group) {
        Plan plan = new Plan();
        for (AttachedPolicy p : iam.listAttachedGroupPoliciesPaginator(r -> r.groupName(group)).attachedPolicies()) {
            plan.add(Change.remove(account, "iam:group-policy-attachment", group + " " + p.policyArn()),
                    () -> iam.detachGroupPolicy(r -> r.groupName(group).policyArn(p.policyArn())));
        }
        return plan;
    }

    private Plan removeMember(String group, String user) {
        return new Plan().add(Change.remove(account, "iam:group-membership", group + " " + user),
                () -> iam.removeUserFromGroup(r -> r.groupName(group).userName(user)));
    }

    private Plan deleteGroupPolicy(String group, String name) {
        return new Plan().add(Change.remove(account, "iam:group-policy", group + " " + name),
                () -> iam.deleteGroupPolicy(r -> r.groupName(group).policyName(name)));
    }

    /** A missing user is created (tagged as Palisade's); an existing untagged user is tagged. */
    private void planUser(Plan plan, String name) {
        User user;
        try {
            user = iam.getUser(r -> r.userName(name)).user();
        } catch (NoSuchEntityException e) {
            Change create = Change.create(account, "iam:user", name);
            // "already exists" after a lost answer: made by us, and tagged
            plan.add(create, () -> ChangeExecutor.create(create, () -> iam.createUser(r -> r.userName(name)
                    .tags(ApplyAccounts.managedTag()))));
            return;
        }
        boolean tagged = user.hasTags() && user.tags().stream()
                .anyMatch(t -> Names.MANAGED_TAG.equals(t.key()) && "true".equals(t.value()));
        if (!tagged) {
            plan.add(Change.update(account, "iam:user", name, "tag " + Names.MANAGED_TAG, "true", null),
                    () -> iam.tagUser(r -> r.userName(name).tags(ApplyAccounts.managedTag())));
        }
    }

    /**
     * Groups under {@value Names#IAM_PATH} that the config no longer has: emptied, stripped of their
     * policies and deleted (a group holds no data). Returns their members that are not in the config.
     */
    private Set<String> planStaleGroups(Plan plan, Set<String> managed, Set<String> configured) {
        Set<String> retired = new TreeSet<>();
        List<String> stale = iam.listGroupsPaginator(r -> r.pathPrefix(Names.IAM_PATH)).groups().stream()
                .map(g -> g.groupName()).filter(g -> !managed.contains(g)).toList();
        for (String group : stale) {
            Found found = find(group);
            for (String user : found == null ? Set.<String>of() : found.members()) {
                plan.addAll(removeMember(group, user));
                if (!configured.contains(user)) {
                    retired.add(user);
                }
            }
            for (String name : iam.listGroupPoliciesPaginator(r -> r.groupName(group)).policyNames()) {
                plan.addAll(deleteGroupPolicy(group, name));
            }
            plan.addAll(detachAll(group));
            plan.add(Change.remove(account, "iam:group", group), () -> iam.deleteGroup(r -> r.groupName(group)));
        }
        return retired;
    }
}
