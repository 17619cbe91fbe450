package si.esoseska.keycloak.captcha;

import java.time.Clock;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/** Reads the captcha options once at start ({@link CaptchaOptions}); a wrong one stops it. */
public final class DefaultCaptchaProviderFactory implements CaptchaProviderFactory {

    private static final Logger LOG = Logger.getLogger(DefaultCaptchaProviderFactory.class);

    private CaptchaOptions options;

    @Override
    public void init(Config.Scope config) {
        options = CaptchaOptions.read(config::get);
        LOG.infof(
                "captcha (ALTCHA): maxnumber %d, challenges good for %d s, HMAC key from vault key %s",
                options.maxNumber(), options.ttl().toSeconds(), options.keyVaultKey());
    }

    @Override
    public CaptchaProvider create(KeycloakSession session) {
        return new CaptchaProvider(session, options, Clock.systemUTC());
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {}

    @Override
    public void close() {}

    @Override
    public String getId() {
        return CaptchaOptions.PROVIDER;
    }
}
