package si.esoseska.keycloak.bridge;

import java.util.Objects;

/**
 * One entry of the manager drop-down: the option value is the id, the text is the name.
 * A plain class with getters (not a record): FreeMarker reads {@code manager.id} through {@code getId()}.
 */
public final class ManagerOption {
    private final String id;
    private final String name;

    public ManagerOption(String id, String name) {
        this.id = Objects.requireNonNull(id);
        this.name = Objects.requireNonNull(name);
    }

    public String getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ManagerOption other && id.equals(other.id) && name.equals(other.name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, name);
    }

    @Override
    public String toString() {
        return id + " (" + name + ")";
    }
}
