package io.palisade.common.aws;

/**
 * One change to one resource, as {@link ChangeExecutor} applies it: what kind of change, the
 * resource type ({@code iam:role}, {@code s3:bucket}, ...) and its name. The later plan step
 * will return these; today the phases build them at the point of the call.
 */
public record Change(Action action, String resource, String name) {
    public enum Action { CREATE, UPDATE, REMOVE }

    public static Change create(String resource, String name) {
        return new Change(Action.CREATE, resource, name);
    }

    public static Change update(String resource, String name) {
        return new Change(Action.UPDATE, resource, name);
    }

    public static Change remove(String resource, String name) {
        return new Change(Action.REMOVE, resource, name);
    }

    @Override
    public String toString() {
        return action.name().toLowerCase(java.util.Locale.ROOT) + " " + resource + " " + name;
    }
}
