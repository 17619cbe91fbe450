package si.esoseska.keycloak.registration;

/** Registers the captcha action ("esoseska-captcha"); place it before the payer check. */
public final class CaptchaFormActionFactory extends StatelessFormActionFactory {

    public static final String PROVIDER_ID = "esoseska-captcha";

    public CaptchaFormActionFactory() {
        super(new CaptchaFormAction());
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayType() {
        return "Nisem robot: ALTCHA proof of work (eSoseska)";
    }

    @Override
    public String getHelpText() {
        return "Shows a self-hosted ALTCHA challenge and refuses a form without a fresh, unused, signed solution.";
    }
}
