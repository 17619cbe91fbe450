package si.esoseska.keycloak.captcha;

import java.time.Clock;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/**
 * Reads the captcha options once at start ({@link CaptchaOptions}; a wrong one stops it) and keeps this node's
 * difficulty ({@link CaptchaDifficulty}).
 */
public final class DefaultCaptchaProviderFactory implements CaptchaProviderFactory {

    private static final Logger LOG = Logger.getLogger(DefaultCaptchaProviderFactory.class);

    private CaptchaOptions options;
    private CaptchaDifficulty difficulty;

    @Override
    public void init(Config.Scope config) {
        options = CaptchaOptions.read(config::get);
        difficulty = new CaptchaDifficulty(options);
        LOG.infof(
                "captcha (ALTCHA): maxnumber %d (%d for %d s after the bridge reports a flood), challenges good for %d"
                        + " s, HMAC key from vault key %s",
                options.maxNumber(),
                options.attackMaxNumber(),
                options.attackDuration().toSeconds(),
                options.ttl().toSeconds(),
                options.keyVaultKey());
    }

    @Override
    public CaptchaProvider create(KeycloakSession session) {
        return new CaptchaProvider(session, options, difficulty, Clock.systemUTC());
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
