<#-- Info page of eSoseska: keycloak.v2/base info.ftl (Keycloak 26.7), with the activation page of the
     eSoseska guide: the activation link first asks for one click on "Aktiviraj račun" (Keycloak's guard against
     link previews), then shows "Aktivacija računa uspešna" with the button "Prijava v račun". -->
<#import "template.ftl" as layout>
<#assign activated = (message.summary)?? && message.summary == msg("emailVerifiedMessage")>
<#-- Keycloak hands the header over already translated -->
<#assign confirmActivation = (messageHeader!"") == msg("confirmEmailAddressVerificationHeader") && actionUri?has_content>
<@layout.registrationLayout displayMessage=false; section>
    <#if section = "header">
        <#if activated>
            ${msg("accountActivatedTitle")}
        <#elseif messageHeader??>
            ${kcSanitize(msg("${messageHeader}"))?no_esc}
        <#else>
            ${message.summary}
        </#if>
    <#elseif section = "form">
    <div id="kc-info-message">
        <p class="instruction">${message.summary}<#if requiredActions??><#list requiredActions>: <b><#items as reqActionItem>${kcSanitize(msg("requiredAction.${reqActionItem}"))?no_esc}<#sep>, </#items></b></#list><#else></#if></p>
        <#if confirmActivation>
            <a id="kc-activate-account" class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!} ${properties.kcButtonLargeClass!}"
               href="${actionUri}">${msg("activateAccountButton")}</a>
        <#elseif activated>
            <#assign loginTarget = (pageRedirectUri?has_content)?then(pageRedirectUri, (actionUri?has_content)?then(actionUri, (client.baseUrl)!url.loginUrl))>
            <a id="kc-login-after-activation" class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!} ${properties.kcButtonLargeClass!}"
               href="${loginTarget}">${msg("loginAfterActivation")}</a>
        <#elseif skipLink??>
        <#else>
            <#if pageRedirectUri?has_content>
                <p><a href="${pageRedirectUri}">${msg("backToApplication")}</a></p>
            <#elseif actionUri?has_content>
                <p><a href="${actionUri}">${msg("proceedWithAction")}</a></p>
            <#elseif (client.baseUrl)?has_content>
                <p><a href="${client.baseUrl}">${msg("backToApplication")}</a></p>
            </#if>
        </#if>
    </div>
    </#if>
</@layout.registrationLayout>
