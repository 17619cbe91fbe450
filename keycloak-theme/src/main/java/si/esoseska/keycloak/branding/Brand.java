package si.esoseska.keycloak.branding;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.keycloak.models.OrganizationModel;

/**
 * Whose look a page or an e-mail has: a manager's (its organization's name and the attributes {@code logoUrl},
 * {@code brandColour}, {@code termsUrl}, {@code privacyUrl}) or the platform's. What a manager left out, or set to
 * something unusable (a colour too light for white text, a link that is not http(s)), is the platform's.
 * The getters are for the FreeMarker templates.
 */
public final class Brand {

    public static final String PLATFORM_NAME = "eSoseska";

    private final String name;
    private final String logoUrl;
    private final String colour;
    private final String termsUrl;
    private final String privacyUrl;
    private final boolean manager;

    private Brand(String name, String logoUrl, String colour, String termsUrl, String privacyUrl, boolean manager) {
        this.name = name;
        this.logoUrl = logoUrl;
        this.colour = colour;
        this.termsUrl = termsUrl;
        this.privacyUrl = privacyUrl;
        this.manager = manager;
    }

    /** The platform: its name, this logo, its blue, these terms and privacy links (may be null). */
    public static Brand platform(String logoUrl, String termsUrl, String privacyUrl) {
        return new Brand(PLATFORM_NAME, logoUrl, BrandColours.PLATFORM, termsUrl, privacyUrl, false);
    }

    /** A manager's organization, each missing or unusable part taken from the platform. */
    public static Brand of(OrganizationModel org, Brand platform) {
        Map<String, List<String>> attributes = org.getAttributes();
        String name = org.getName() == null || org.getName().isBlank() ? org.getAlias() : org.getName();
        return of(name, attributes == null ? Map.of() : attributes, platform);
    }

    static Brand of(String name, Map<String, List<String>> attributes, Brand platform) {
        return new Brand(
                name,
                webUrl(first(attributes, "logoUrl")).orElse(platform.logoUrl),
                BrandColours.readable(first(attributes, "brandColour")).orElse(platform.colour),
                webUrl(first(attributes, "termsUrl")).orElse(platform.termsUrl),
                webUrl(first(attributes, "privacyUrl")).orElse(platform.privacyUrl),
                true);
    }

    /** An absolute http(s) address, as written; empty for anything else. */
    public static Optional<String> webUrl(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(value.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null
                    ? Optional.of(uri.toString())
                    : Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    private static String first(Map<String, List<String>> attributes, String key) {
        List<String> values = attributes.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String getName() {
        return name;
    }

    public String getLogoUrl() {
        return logoUrl;
    }

    public String getColour() {
        return colour;
    }

    /** The colour for hover and pressed states. */
    public String getColourDark() {
        return BrandColours.darker(colour, 0.75);
    }

    /** The colour as a light background. */
    public String getColourTint() {
        return BrandColours.tint(colour, 0.1);
    }

    public String getTermsUrl() {
        return termsUrl;
    }

    public String getPrivacyUrl() {
        return privacyUrl;
    }

    /** True for a manager's brand, false for the platform's. */
    public boolean isManager() {
        return manager;
    }
}
