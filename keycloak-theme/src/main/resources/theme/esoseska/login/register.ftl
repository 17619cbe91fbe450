<#-- Registration page of eSoseska: the fields of the resident's bill, in the order of the product brief.
     Based on keycloak.v2/login/register.ftl (Keycloak 26.7); user-profile fields (name, e-mail, phone) come
     from the realm's user profile, the payer fields are the payer check's own and are never stored. -->
<#import "template.ftl" as layout>
<#import "field.ftl" as field>
<#import "user-profile-commons.ftl" as userProfileCommons>
<#import "password-validation.ftl" as validator>
<@layout.registrationLayout displayMessage=messagesPerField.exists('global') displayRequiredFields=true; section>
<!-- template: register.ftl (esoseska) -->
    <#if section = "header">
        ${msg("registerTitle")}
    <#elseif section = "form">
        <form id="kc-register-form" class="${properties.kcFormClass!}" action="${url.registrationAction}" method="post" novalidate="novalidate">
            <@userProfileCommons.userProfileFormFields; callback, attribute></@userProfileCommons.userProfileFormFields>

            <#assign payerCodeError = messagesPerField.get('payerCode')>
            <@field.group name="payerCode" label=msg("payerCode") error=payerCodeError required=true>
                <span class="${properties.kcInputClass} <#if payerCodeError?has_content>${properties.kcError}</#if>">
                    <input id="payerCode" name="payerCode" type="text" value="${(register.formData.payerCode)!''}"
                           autocomplete="off" inputmode="text" maxlength="64" required
                           aria-invalid="<#if payerCodeError?has_content>true<#else>false</#if>"
                           aria-describedby="payerCode-help<#if payerCodeError?has_content> input-error-payerCode</#if>"/>
                </span>
                <div id="payerCode-help" class="esoseska-help">${msg("payerCodeHelp")}</div>
            </@field.group>

            <#assign billPasswordError = messagesPerField.get('billPassword')>
            <@field.group name="billPassword" label=msg("billPassword") error=billPasswordError required=true>
                <span class="${properties.kcInputClass} <#if billPasswordError?has_content>${properties.kcError}</#if>">
                    <input id="billPassword" name="billPassword" type="password" value=""
                           autocomplete="off" maxlength="128" required
                           aria-invalid="<#if billPasswordError?has_content>true<#else>false</#if>"
                           aria-describedby="billPassword-help<#if billPasswordError?has_content> input-error-billPassword</#if>"/>
                </span>
                <div id="billPassword-help" class="esoseska-help">${msg("billPasswordHelp")}</div>
            </@field.group>

            <#assign managerError = messagesPerField.get('managerId')>
            <#assign chosenManager = (register.formData.managerId)!''>
            <@field.group name="managerId" label=msg("manager") error=managerError required=true>
                <select id="managerId" name="managerId" class="esoseska-select" required
                        aria-invalid="<#if managerError?has_content>true<#else>false</#if>"
                        <#if managerError?has_content>aria-describedby="input-error-managerId"</#if>>
                    <option value="" <#if chosenManager == ''>selected</#if>>${msg("managerChoose")}</option>
                    <#list (managers![]) as manager>
                        <option value="${manager.id}" <#if chosenManager == manager.id>selected</#if>>${manager.name}</option>
                    </#list>
                </select>
                <#if managersUnavailable??>
                    <div id="managerId-unavailable" class="esoseska-help" role="alert">${msg("managersUnavailable")}</div>
                </#if>
            </@field.group>

            <#if passwordRequired??>
                <@field.password name="password" required=true label=msg("password") autocomplete="new-password" />
                <@field.password name="password-confirm" required=true label=msg("passwordConfirm") autocomplete="new-password" />
            </#if>

            <#if termsAcceptanceRequired??>
                <#assign termsError = messagesPerField.get('termsAccepted')>
                <div class="${properties.kcFormGroupClass!} esoseska-terms">
                    <label for="termsAccepted" class="${properties.kcCheckboxLabelClass!}">
                        <input type="checkbox" id="termsAccepted" name="termsAccepted" value="on" required
                               <#if (register.formData.termsAccepted)??>checked</#if>
                               aria-invalid="<#if termsError?has_content>true<#else>false</#if>"
                               <#if termsError?has_content>aria-describedby="input-error-termsAccepted"</#if>/>
                        ${kcSanitize(msg("termsAcceptLabel", termsUrl!'#', privacyUrl!'#'))?no_esc}
                    </label>
                    <#if termsError?has_content>
                        <div class="${properties.kcFormHelperTextClass}" aria-live="polite">
                            <div class="${properties.kcInputHelperTextClass}">
                                <div class="${properties.kcInputHelperTextItemClass} ${properties.kcError}" id="input-error-termsAccepted">
                                    <span class="${properties.kcInputErrorMessageClass}">${termsError}</span>
                                </div>
                            </div>
                        </div>
                    </#if>
                </div>
            </#if>

            <#if recaptchaRequired?? && (recaptchaVisible!false)>
                <div class="form-group">
                    <div class="${properties.kcInputWrapperClass!}">
                        <div class="g-recaptcha" data-size="compact" data-sitekey="${recaptchaSiteKey}" data-action="${recaptchaAction}"></div>
                    </div>
                </div>
            </#if>

            <div id="kc-form-buttons" class="${properties.kcFormButtonsClass!}">
                <button class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!} ${properties.kcButtonLargeClass!}"
                        type="submit" id="kc-submit">${msg("doRegister")}</button>
            </div>

            <div class="${properties.kcFormGroupClass!} pf-v5-c-login__main-footer-band">
                <div id="kc-form-options" class="${properties.kcFormOptionsClass!} pf-v5-c-login__main-footer-band-item">
                    <span><a href="${url.loginUrl}">${msg("backToLogin")}</a></span>
                </div>
            </div>
        </form>

        <@validator.templates/>
        <@validator.script field="password"/>
    </#if>
</@layout.registrationLayout>
