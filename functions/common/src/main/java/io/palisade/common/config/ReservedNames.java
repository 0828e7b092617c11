package io.palisade.common.config;

import io.palisade.common.Names;
import java.util.Set;

/**
 * Names the phases make and manage themselves. A config that names one of them would have
 * Palisade fight itself (a configured user named like the temp-admin is deleted by every
 * teardown), so {@link ConfigValidator} refuses them, naming the field.
 */
public final class ReservedNames {
    public static final Set<String> USERS = Set.of(Names.TEMP_ADMIN_USER);
    public static final Set<String> GROUPS = Set.of(Names.ALL_USERS_GROUP);
    public static final Set<String> ROLES = Set.of(Names.BOOTSTRAP_ROLE, Names.AUDIT_ROLE, Names.DELIVERY_ROLE,
            Names.ORGANIZATION_ACCESS_ROLE);

    /**
     * Role-name prefixes of Palisade's own stack ({@code palisade-*}, the deploy role
     * {@code cfn-palisade-*}) and of AWS service-linked roles: the phases' roles are denied
     * every change to them (template.yaml), so a configured role there could never be applied.
     */
    public static final java.util.List<String> ROLE_PREFIXES = java.util.List.of("palisade-", "cfn-palisade-",
            "AWSServiceRole");

    /** A role name the config may not use: a reserved name or one of the reserved prefixes. */
    public static boolean reservedRole(String name) {
        return ROLES.contains(name) || ROLE_PREFIXES.stream().anyMatch(name::startsWith);
    }

    private ReservedNames() {}
}
