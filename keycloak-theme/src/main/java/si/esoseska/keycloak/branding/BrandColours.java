package si.esoseska.keycloak.branding;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A manager's {@code brandColour} as the pages and e-mails use it: white text on it and the colour on white must
 * reach WCAG AA for normal text (4.5:1), or the platform's colour is used instead.
 */
public final class BrandColours {

    /** The platform's blue ({@code --brand-colour} of css/esoseska.css): 6.4:1 on white. */
    public static final String PLATFORM = "#0b5cad";

    static final double MIN_CONTRAST = 4.5;
    private static final Pattern HEX = Pattern.compile("#[0-9a-fA-F]{6}");

    private BrandColours() {}

    /** The colour as {@code #rrggbb} when it is well-formed and readable with white, else empty. */
    public static Optional<String> readable(String colour) {
        if (colour == null || !HEX.matcher(colour.strip()).matches()) {
            return Optional.empty();
        }
        String hex = colour.strip().toLowerCase(Locale.ROOT);
        return contrastWithWhite(hex) >= MIN_CONTRAST ? Optional.of(hex) : Optional.empty();
    }

    /** The colour mixed with black (hover, pressed): {@code share} of the colour kept, 0..1. */
    public static String darker(String hex, double share) {
        return mix(hex, 0, share);
    }

    /** The colour mixed with white (light backgrounds): {@code share} of the colour kept, 0..1. */
    public static String tint(String hex, double share) {
        return mix(hex, 255, share);
    }

    private static String mix(String hex, int other, double share) {
        StringBuilder out = new StringBuilder("#");
        for (int at = 1; at < 7; at += 2) {
            int c = Integer.parseInt(hex.substring(at, at + 2), 16);
            out.append(String.format(Locale.ROOT, "%02x", Math.round(c * share + other * (1 - share))));
        }
        return out.toString();
    }

    /** WCAG 2 contrast ratio of {@code #rrggbb} against white. */
    static double contrastWithWhite(String hex) {
        double luminance = 0.2126 * channel(hex, 1) + 0.7152 * channel(hex, 3) + 0.0722 * channel(hex, 5);
        return 1.05 / (luminance + 0.05);
    }

    private static double channel(String hex, int at) {
        double c = Integer.parseInt(hex.substring(at, at + 2), 16) / 255.0;
        return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }
}
