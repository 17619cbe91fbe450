package si.esoseska.keycloak.payer;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.keycloak.models.UserModel;

/** Adds the bridge's links (managers, payer accounts) to a user, keeping the values the user already has. */
public final class UserLinks {

    public static final String MANAGERS = "managers";
    public static final String PAYER_ACCOUNTS = "payer_accounts";

    /** Only these attributes may be written from a bridge answer. */
    static final Set<String> LINK_ATTRIBUTES = Set.of(MANAGERS, PAYER_ACCOUNTS);

    private UserLinks() {}

    public static void add(UserModel user, Map<String, List<String>> links) {
        links.forEach((attribute, values) -> {
            if (!LINK_ATTRIBUTES.contains(attribute) || values.isEmpty()) {
                return;
            }
            Set<String> merged =
                    new LinkedHashSet<>(user.getAttributeStream(attribute).toList());
            merged.addAll(values);
            user.setAttribute(attribute, List.copyOf(merged));
        });
    }
}
