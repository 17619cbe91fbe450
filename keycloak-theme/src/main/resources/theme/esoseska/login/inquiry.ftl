<#-- "Povpraševanje": a short inquiry to a manager from someone without an account (eSoseska). -->
<#import "template.ftl" as layout>
<#import "esoseska.ftl" as e>
<@layout.registrationLayout displayMessage=messagesPerField.exists('global') displayRequiredFields=!inquirySentTo??; section>
<!-- template: inquiry.ftl (esoseska) -->
    <#if section = "header">
        ${msg("inquiryTitle")}
    <#elseif section = "form">
        <@e.tabs active="inquiry"/>
        <#if inquirySentTo??>
            <div id="inquiry-sent" role="status">
                <p class="instruction">${msg("inquirySent", inquirySentTo, inquirySentEmail)}</p>
                <p><a href="${url.loginUrl}">${msg("backToLogin")}</a></p>
            </div>
        <#else>
            <p class="instruction">${msg("inquiryIntro")}</p>
            <form id="kc-inquiry-form" class="${properties.kcFormClass!}" action="${e.inquiryUrl()}" method="post" novalidate="novalidate">
                <#-- the CSRF token: the page takes a POST only with it (InquiryCsrf) -->
                <input type="hidden" name="csrf" value="${inquiryCsrf!''}"/>
                <#assign err = messagesPerField.get('name')>
                <@e.field name="name" label=msg("inquiryName") error=err>
                    <@e.textInput name="name" value=(inquiry.name)!'' error=err autocomplete="name" maxlength="200" help=false/>
                </@e.field>

                <#assign err = messagesPerField.get('email')>
                <@e.field name="email" label=msg("email") error=err>
                    <@e.textInput name="email" value=(inquiry.email)!'' error=err type="email" autocomplete="email" inputmode="email" maxlength="254" help=false/>
                </@e.field>

                <#assign err = messagesPerField.get('managerId')>
                <#assign chosenManager = (inquiry.managerId)!''>
                <@e.field name="managerId" label=msg("manager") error=err>
                    <select id="managerId" name="managerId" class="esoseska-select" required
                            aria-invalid="<#if err?has_content>true<#else>false</#if>"
                            <#if err?has_content>aria-describedby="input-error-managerId"</#if>>
                        <option value="" <#if chosenManager == ''>selected</#if>>${msg("managerChoose")}</option>
                        <#list (managers![]) as manager>
                            <option value="${manager.id}" <#if chosenManager == manager.id>selected</#if>>${manager.name}</option>
                        </#list>
                    </select>
                    <#if managersUnavailable??>
                        <div class="esoseska-note" role="alert">${msg("managersUnavailable")}</div>
                    </#if>
                </@e.field>

                <#assign err = messagesPerField.get('message')>
                <@e.field name="message" label=msg("inquiryMessage") error=err>
                    <span class="${properties.kcInputClass} <#if err?has_content>${properties.kcError}</#if>">
                        <textarea id="message" name="message" rows="6" maxlength="2000" required
                                  aria-invalid="<#if err?has_content>true<#else>false</#if>"
                                  <#if err?has_content>aria-describedby="input-error-message"</#if>>${(inquiry.message)!''}</textarea>
                    </span>
                </@e.field>

                <div class="esoseska-hp" aria-hidden="true">
                    <label for="website">Website</label>
                    <input id="website" name="website" type="text" tabindex="-1" autocomplete="off" value=""/>
                </div>

                <@e.captcha/>

                <div id="kc-form-buttons" class="${properties.kcFormButtonsClass!}">
                    <button class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!} ${properties.kcButtonLargeClass!}"
                            type="submit" id="kc-submit">${msg("inquirySend")}</button>
                </div>
            </form>
        </#if>
    </#if>
</@layout.registrationLayout>
