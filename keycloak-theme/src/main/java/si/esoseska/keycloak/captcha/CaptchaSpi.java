package si.esoseska.keycloak.captcha;

import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.Spi;

/** The SPI {@code esoseska-captcha}: the one place the captcha's server options are read ({@link CaptchaOptions}). */
public final class CaptchaSpi implements Spi {

    @Override
    public boolean isInternal() {
        return false;
    }

    @Override
    public String getName() {
        return CaptchaOptions.SPI;
    }

    @Override
    public Class<? extends Provider> getProviderClass() {
        return CaptchaProvider.class;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends ProviderFactory> getProviderFactoryClass() {
        return CaptchaProviderFactory.class;
    }
}
