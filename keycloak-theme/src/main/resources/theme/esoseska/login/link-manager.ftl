<#-- "Dodaj upravnika": add another manager's payer account to the signed-in resident's account (eSoseska). -->
<#import "template.ftl" as layout>
<#import "esoseska.ftl" as e>
<@layout.registrationLayout displayMessage=messagesPerField.exists('global') displayRequiredFields=true; section>
<!-- template: link-manager.ftl (esoseska) -->
    <#if section = "header">
        ${msg("linkManagerTitle")}
    <#elseif section = "form">
        <p class="instruction">${msg("linkManagerIntro")}</p>
        <form id="kc-link-manager-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post" novalidate="novalidate">
            <#assign err = messagesPerField.get('managerId')>
            <#assign chosenManager = (linkForm.managerId)!''>
            <@e.field name="managerId" label=msg("manager") error=err>
                <select id="managerId" name="managerId" class="esoseska-select" required
                        aria-invalid="<#if err?has_content>true<#else>false</#if>"
                        <#if err?has_content>aria-describedby="input-error-managerId"</#if>>
                    <option value="" <#if chosenManager == ''>selected</#if>>${msg("managerChoose")}</option>
                    <#list (managers![]) as manager>
                        <option value="${manager.id}" <#if chosenManager == manager.id>selected</#if>>${manager.name}<#if (linkedManagers![])?seq_contains(manager.id)> ${msg("managerAlreadyLinked")}</#if></option>
                    </#list>
                </select>
                <#if managersUnavailable??>
                    <div class="esoseska-note" role="alert">${msg("managersUnavailable")}</div>
                </#if>
            </@e.field>

            <#assign err = messagesPerField.get('payerCode')>
            <@e.field name="payerCode" label=msg("payerCode") error=err help=msg("payerCodeHelp") helpImage=true>
                <@e.textInput name="payerCode" value=(linkForm.payerCode)!'' error=err maxlength="64"/>
            </@e.field>

            <#assign err = messagesPerField.get('billPassword')>
            <@e.field name="billPassword" label=msg("billPassword") error=err help=msg("billPasswordHelp") helpImage=true>
                <@e.textInput name="billPassword" value="" error=err type="password" autocomplete="off" maxlength="128"/>
            </@e.field>

            <@e.captcha/>

            <div id="kc-form-buttons" class="${properties.kcFormButtonsClass!}">
                <button class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!} ${properties.kcButtonLargeClass!}"
                        type="submit" id="kc-submit">${msg("linkManagerSubmit")}</button>
                <#if isAppInitiatedAction??>
                    <button class="${properties.kcButtonClass!} ${properties.kcButtonDefaultClass!} ${properties.kcButtonBlockClass!} ${properties.kcButtonLargeClass!}"
                            type="submit" name="cancel-aia" value="true" formnovalidate id="kc-cancel">${msg("doCancel")}</button>
                </#if>
            </div>
        </form>
    </#if>
</@layout.registrationLayout>
