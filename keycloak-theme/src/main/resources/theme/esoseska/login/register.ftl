<#-- Registration page of eSoseska: the fields of the resident's bill, in the order of the product brief.
     Written for keycloak.v2 (Keycloak 26.7). Name, e-mail and phone are user-profile attributes (validated
     and stored by Keycloak); payer code, bill password and manager belong to the payer check and are never
     stored on the user. Any further writable user-profile attribute an admin adds is rendered after them. -->
<#import "template.ftl" as layout>
<#import "field.ftl" as field>
<#import "user-profile-commons.ftl" as userProfileCommons>
<#import "esoseska.ftl" as e>
<@layout.registrationLayout displayMessage=messagesPerField.exists('global') displayRequiredFields=true; section>
<!-- template: register.ftl (esoseska) -->
    <#if section = "header">
        ${msg("registerTitle")}
    <#elseif section = "form">
        <@e.tabs active="register"/>
        <#assign attrs = profile.attributesByName>
        <#assign shown = ["username", "locale", "firstName", "lastName", "email", "phone_number"]>
        <form id="kc-register-form" class="${properties.kcFormClass!}" action="${url.registrationAction}" method="post" novalidate="novalidate">
            <#if attrs.locale?? && realm.internationalizationEnabled && locale.currentLanguageTag?has_content>
                <input type="hidden" id="locale" name="locale" value="${locale.currentLanguageTag}"/>
            </#if>

            <#assign err = messagesPerField.get('firstName')>
            <@e.field name="firstName" label=msg("firstName") error=err>
                <@e.textInput name="firstName" value=(attrs.firstName.value)!'' error=err autocomplete="given-name" maxlength="255" help=false/>
            </@e.field>

            <#assign err = messagesPerField.get('lastName')>
            <@e.field name="lastName" label=msg("lastName") error=err>
                <@e.textInput name="lastName" value=(attrs.lastName.value)!'' error=err autocomplete="family-name" maxlength="255" help=false/>
            </@e.field>

            <#assign err = messagesPerField.get('email')>
            <@e.field name="email" label=msg("email") error=err>
                <@e.textInput name="email" value=(attrs.email.value)!'' error=err type="email" autocomplete="email" inputmode="email" maxlength="255" help=false/>
            </@e.field>

            <#assign err = messagesPerField.get('phone_number')>
            <@e.field name="phone_number" label=msg("phoneNumber") error=err help=msg("phoneNumberHelp")>
                <@e.textInput name="phone_number" value=(attrs.phone_number.value)!'' error=err type="tel" autocomplete="tel-national" inputmode="tel" maxlength="20" placeholder="041 123 456"/>
            </@e.field>

            <#assign err = messagesPerField.get('payerCode')>
            <@e.field name="payerCode" label=msg("payerCode") error=err help=msg("payerCodeHelp") helpImage=true>
                <@e.textInput name="payerCode" value=(register.formData.payerCode)!'' error=err maxlength="64"/>
            </@e.field>

            <#assign err = messagesPerField.get('billPassword')>
            <@e.field name="billPassword" label=msg("billPassword") error=err help=msg("billPasswordHelp") helpImage=true>
                <@e.textInput name="billPassword" value="" error=err type="password" autocomplete="off" maxlength="128"/>
            </@e.field>

            <#assign err = messagesPerField.get('managerId')>
            <#assign chosenManager = (register.formData.managerId)!''>
            <@e.field name="managerId" label=msg("manager") error=err>
                <#if presetManager??>
                    <input type="hidden" name="managerId" value="${presetManager.id}"/>
                    <span class="${properties.kcInputClass}">
                        <input id="managerId" type="text" value="${presetManager.name}" readonly aria-readonly="true"
                               aria-describedby="managerId-fixed"/>
                    </span>
                    <div id="managerId-fixed" class="esoseska-note">${msg("managerFixed")}</div>
                <#else>
                    <select id="managerId" name="managerId" class="esoseska-select" required
                            aria-invalid="<#if err?has_content>true<#else>false</#if>"
                            <#if err?has_content>aria-describedby="input-error-managerId"</#if>>
                        <option value="" <#if chosenManager == ''>selected</#if>>${msg("managerChoose")}</option>
                        <#list (managers![]) as manager>
                            <option value="${manager.id}" <#if chosenManager == manager.id>selected</#if>>${manager.name}</option>
                        </#list>
                    </select>
                    <#if managersUnavailable??>
                        <div id="managerId-unavailable" class="esoseska-note" role="alert">${msg("managersUnavailable")}</div>
                    </#if>
                </#if>
            </@e.field>

            <#list profile.attributes as attribute>
                <#if !shown?seq_contains(attribute.name)>
                    <@field.group name=attribute.name label=advancedMsg(attribute.displayName!'') error=messagesPerField.get(attribute.name) required=attribute.required>
                        <@userProfileCommons.inputFieldByType attribute=attribute/>
                    </@field.group>
                </#if>
            </#list>

            <#if passwordRequired??>
                <@field.password name="password" required=true label=msg("password") autocomplete="new-password">
                    <#if passwordPolicies??>
                        <ul id="password-rules" class="esoseska-rules" aria-label="${msg('passwordRulesTitle')}">
                            <#if (passwordPolicies.length)??><li data-rule="length" data-value="${passwordPolicies.length?c}">${msg("passwordRuleLength", passwordPolicies.length)}</li></#if>
                            <#if (passwordPolicies.upperCase)??><li data-rule="upperCase" data-value="${passwordPolicies.upperCase?c}">${msg("passwordRuleUpperCase")}</li></#if>
                            <#if (passwordPolicies.lowerCase)??><li data-rule="lowerCase" data-value="${passwordPolicies.lowerCase?c}">${msg("passwordRuleLowerCase")}</li></#if>
                            <#if (passwordPolicies.digits)??><li data-rule="digits" data-value="${passwordPolicies.digits?c}">${msg("passwordRuleDigits")}</li></#if>
                            <#if (passwordPolicies.specialChars)??><li data-rule="specialChars" data-value="${passwordPolicies.specialChars?c}">${msg("passwordRuleSpecialChars")}</li></#if>
                            <li data-rule="notEmail">${msg("passwordRuleNotEmail")}</li>
                        </ul>
                    </#if>
                </@field.password>
                <@field.password name="password-confirm" required=true label=msg("passwordConfirm") autocomplete="new-password" />
            </#if>

            <#if termsAcceptanceRequired??>
                <#assign termsError = messagesPerField.get('termsAccepted')>
                <div class="${properties.kcFormGroupClass!} esoseska-check">
                    <input type="checkbox" id="termsAccepted" name="termsAccepted" value="on" required
                           <#if (register.formData.termsAccepted)??>checked</#if>
                           aria-invalid="<#if termsError?has_content>true<#else>false</#if>"
                           <#if termsError?has_content>aria-describedby="input-error-termsAccepted"</#if>/>
                    <label for="termsAccepted">${kcSanitize(msg("termsAcceptLabel", termsUrl!'#', privacyUrl!'#'))?no_esc}</label>
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

            <#if prizeGame??>
                <div class="${properties.kcFormGroupClass!} esoseska-check">
                    <input type="checkbox" id="prizeGameConsent" name="prizeGameConsent" value="on"
                           <#if (register.formData.prizeGameConsent)??>checked</#if>/>
                    <label for="prizeGameConsent">${kcSanitize(msg("prizeGameConsentLabel", prizeGame.campaign, prizeGame.termsUrl))?no_esc}</label>
                </div>
            </#if>

            <@e.captcha/>

            <div id="kc-form-buttons" class="${properties.kcFormButtonsClass!}">
                <button class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!} ${properties.kcButtonLargeClass!}"
                        type="submit" id="kc-submit">${msg("doRegister")}</button>
            </div>

            <div class="${properties.kcFormGroupClass!} pf-v5-c-login__main-footer-band">
                <div id="kc-form-options" class="${properties.kcFormOptionsClass!} pf-v5-c-login__main-footer-band-item">
                    <span>${msg("haveAccount")} <a href="${url.loginUrl}">${msg("doLogIn")}</a></span>
                </div>
            </div>
        </form>
    </#if>
</@layout.registrationLayout>
