package io.palisade.common.aws;

import io.palisade.common.Json;
import java.util.Locale;
import java.util.Objects;

/**
 * One change to one resource: in which account, what kind of change, the resource type
 * ({@code iam:role}, {@code s3:bucket}, ...) and name, and, for an update of one attribute, the
 * attribute with the value expected (from the config) and the value found (from the account).
 * {@link ChangeExecutor} applies it; a plan returns it.
 *
 * <p>{@code account}, {@code attribute}, {@code expected} and {@code actual} may be null: a
 * change built at the point of its call names only what it touches. {@code expected} and
 * {@code actual} are JSON-able values (strings, numbers, lists, maps, records, JSON trees).
 *
 * <p>{@link #render()} is the stable one-line form, the way {@code terraform plan} shows it:
 * <pre>
 * + iam:role prod/Developer
 * ~ iam:role prod/Developer trust: expected {...} actual {...}
 * - iam:group-membership infosec/InfosecAdmins Mallory
 * </pre>
 */
public record Change(Account account, String resourceType, String resourceName, String attribute,
        Object expected, Object actual, Action action) {
    public enum Action {
        CREATE("+"), UPDATE("~"), REMOVE("-");

        private final String symbol;

        Action(String symbol) {
            this.symbol = symbol;
        }

        /** {@code +}, {@code ~} or {@code -}. */
        public String symbol() {
            return symbol;
        }
    }

    /** The account a change is in: its id and the config key that names it ({@code prod}). */
    public record Account(String id, String key) {
        /** The config key when there is one, else the id. */
        public String label() {
            return key != null && !key.isBlank() ? key : id;
        }
    }

    public Change {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(resourceName, "resourceName");
    }

    /** The shape phases build at the point of a call: no account, no attribute. */
    public Change(Action action, String resourceType, String resourceName) {
        this(null, resourceType, resourceName, null, null, null, action);
    }

    public static Change create(String resourceType, String resourceName) {
        return new Change(Action.CREATE, resourceType, resourceName);
    }

    public static Change update(String resourceType, String resourceName) {
        return new Change(Action.UPDATE, resourceType, resourceName);
    }

    public static Change remove(String resourceType, String resourceName) {
        return new Change(Action.REMOVE, resourceType, resourceName);
    }

    public static Change create(Account account, String resourceType, String resourceName) {
        return new Change(account, resourceType, resourceName, null, null, null, Action.CREATE);
    }

    public static Change remove(Account account, String resourceType, String resourceName) {
        return new Change(account, resourceType, resourceName, null, null, null, Action.REMOVE);
    }

    /** An update of one attribute from {@code actual} to {@code expected}. */
    public static Change update(Account account, String resourceType, String resourceName, String attribute,
            Object expected, Object actual) {
        return new Change(account, resourceType, resourceName, attribute, expected, actual, Action.UPDATE);
    }

    /** The resource type, as the executor's overloads name it. */
    public String resource() {
        return resourceType;
    }

    /** The resource name, as the executor's overloads name it. */
    public String name() {
        return resourceName;
    }

    /**
     * The stable one-line form: symbol, resource type, {@code account/}name, and for an
     * attribute {@code attribute: expected <json> actual <json>}.
     */
    public String render() {
        StringBuilder line = new StringBuilder()
                .append(action.symbol()).append(' ')
                .append(resourceType).append(' ');
        if (account != null && account.label() != null) {
            // an account-wide singleton (the password policy) has an empty name: the account names it
            line.append(account.label()).append(resourceName.isEmpty() ? "" : "/");
        }
        line.append(resourceName);
        if (attribute != null) {
            line.append(' ').append(attribute).append(": expected ").append(json(expected))
                    .append(" actual ").append(json(actual));
        }
        return line.toString();
    }

    private static String json(Object value) {
        return value == null ? "null" : Json.write(value);
    }

    /** The verb form the executor's log lines have always used ({@code create iam:role R}). */
    @Override
    public String toString() {
        return action.name().toLowerCase(Locale.ROOT) + " " + resourceType + " "
                + (account == null || account.label() == null ? "" : account.label() + "/") + resourceName;
    }
}
