package si.esoseska.keycloak.captcha;

import org.keycloak.provider.ProviderFactory;

/** The factories of the {@code esoseska-captcha} SPI (one: {@link DefaultCaptchaProviderFactory}). */
public interface CaptchaProviderFactory extends ProviderFactory<CaptchaProvider> {}
