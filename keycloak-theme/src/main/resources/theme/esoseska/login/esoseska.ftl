<#-- Building blocks of the eSoseska pages: the three tabs of the portal header and a form field with "?" help. -->

<#function inquiryUrl>
    <#return (url.loginUrl?keep_before("/realms/")) + "/realms/" + realm.name + "/esoseska-inquiry">
</#function>

<#macro tabs active>
    <nav class="esoseska-tabs" aria-label="${msg('tabsLabel')}">
        <ul>
            <li><a id="tab-login" href="${url.loginUrl}" <#if active == "login">aria-current="page"</#if>>${msg("tabLogin")}</a></li>
            <#if realm.registrationAllowed>
                <li><a id="tab-register" href="${url.registrationUrl}" <#if active == "register">aria-current="page"</#if>>${msg("tabRegister")}</a></li>
            </#if>
            <li><a id="tab-inquiry" href="${inquiryUrl()}" <#if active == "inquiry">aria-current="page"</#if>>${msg("tabInquiry")}</a></li>
        </ul>
    </nav>
</#macro>

<#-- A labelled field with an optional "?" help (text, and the sample bill when helpImage) and its error. -->
<#macro field name label error="" help="" helpImage=false required=true>
    <div class="${properties.kcFormGroupClass}" id="group-${name}">
        <div class="${properties.kcFormGroupLabelClass} esoseska-label-row">
            <label for="${name}" class="${properties.kcFormLabelClass}">
                <span class="${properties.kcFormLabelTextClass}">${label}</span><#if required><span class="${properties.kcInputRequiredClass}" aria-hidden="true">&#42;</span></#if>
            </label>
            <#if help?has_content>
                <button type="button" class="esoseska-help-toggle" aria-expanded="false" aria-controls="${name}-help"
                        id="${name}-help-toggle"><span aria-hidden="true">?</span><span class="esoseska-sr-only">${msg("helpFor", label)}</span></button>
            </#if>
        </div>
        <#nested>
        <#if help?has_content>
            <div id="${name}-help" class="esoseska-help" data-esoseska-help>
                <p>${help}</p>
                <#if helpImage>
                    <img class="esoseska-bill" src="${url.resourcesPath}/img/sample-bill.svg" width="480" height="300"
                         alt="${msg('sampleBillAlt')}"/>
                </#if>
            </div>
        </#if>
        <div id="input-error-container-${name}">
            <#if error?has_content>
                <div class="${properties.kcFormHelperTextClass}" aria-live="polite">
                    <div class="${properties.kcInputHelperTextClass}">
                        <div class="${properties.kcInputHelperTextItemClass} ${properties.kcError}" id="input-error-${name}">
                            <span class="${properties.kcInputErrorMessageClass}">${error}</span>
                        </div>
                    </div>
                </div>
            </#if>
        </div>
    </div>
</#macro>

<#-- aria-describedby for an input: its help and, when there is one, its error. -->
<#function describedBy name error help=true>
    <#local ids = []>
    <#if help><#local ids = ids + [name + "-help"]></#if>
    <#if error?has_content><#local ids = ids + ["input-error-" + name]></#if>
    <#return ids?join(" ")>
</#function>

<#macro textInput name value error type="text" autocomplete="off" inputmode="" maxlength="" placeholder="" help=true>
    <span class="${properties.kcInputClass} <#if error?has_content>${properties.kcError}</#if>">
        <input id="${name}" name="${name}" type="${type}" value="${value}" autocomplete="${autocomplete}" required
               <#if inputmode?has_content>inputmode="${inputmode}"</#if>
               <#if maxlength?has_content>maxlength="${maxlength}"</#if>
               <#if placeholder?has_content>placeholder="${placeholder}"</#if>
               aria-invalid="<#if error?has_content>true<#else>false</#if>"
               <#if describedBy(name, error, help)?has_content>aria-describedby="${describedBy(name, error, help)}"</#if>/>
    </span>
</#macro>

<#-- The portal's house logo, drawn inline (no request); its colour follows --brand-colour. -->
<#macro logo>
    <svg class="esoseska-logo" viewBox="0 0 32 32" width="40" height="40" aria-hidden="true" focusable="false">
        <path d="M16 3 2 15h4v14h20V15h4z" fill="currentColor"/>
        <path d="M13 29v-9h6v9z" fill="#fff"/>
        <path d="M9 17h4v3H9zm10 0h4v3h-4z" fill="#fff"/>
    </svg>
</#macro>

<#-- The fields of our pages and Keycloak's, in page order: an error at any of them goes into the error summary. -->
<#assign summaryFields = ["username", "firstName", "lastName", "name", "email", "phone_number", "payerCode", "billPassword",
    "managerId", "message", "password", "password-new", "password-confirm", "termsAccepted", "altcha", "totp"]>

<#-- Where the summary's link for a field's error goes: the login page shows a wrong password at the e-mail field. -->
<#function summaryTarget name>
    <#if name == "password" && (pageId!"") == "login" && !(usernameHidden??)><#return "username"></#if>
    <#return name>
</#function>

<#function fieldErrors>
    <#local found = []>
    <#local seen = []>
    <#if messagesPerField??>
        <#list summaryFields as name>
            <#-- registration takes the e-mail as the username: its username error has no field of its own -->
            <#if messagesPerField.existsError(name) && !(name == "username" && (pageId!"") == "register")>
                <#local text = messagesPerField.get(name)>
                <#if !seen?seq_contains(text)>
                    <#local seen = seen + [text]>
                    <#local found = found + [{"target": summaryTarget(name), "text": text}]>
                </#if>
            </#if>
        </#list>
    </#if>
    <#return found>
</#function>

<#function hasFieldErrors>
    <#return fieldErrors()?has_content>
</#function>

<#-- "Prišlo je do težave": every field error once more at the top, each a link to its field (GOV.UK's error summary). -->
<#macro errorSummary>
    <#local errors = fieldErrors()>
    <#if errors?has_content>
        <div id="error-summary" class="esoseska-error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title">
            <h2 id="error-summary-title">${msg("errorSummaryTitle")}</h2>
            <ul>
                <#list errors as error>
                    <li><a href="#${error.target}">${error.text}</a></li>
                </#list>
            </ul>
        </div>
    </#if>
</#macro>

<#-- "Nisem robot": the ALTCHA widget with the page's signed challenge (solved in the browser as the page loads, the
     script a module: not render-blocking), its error, and what to do without JavaScript. -->
<#macro captcha>
    <#local error = messagesPerField.get('altcha')>
    <div class="${properties.kcFormGroupClass}" id="group-altcha">
        <div id="altcha" class="esoseska-captcha" tabindex="-1" role="group" aria-label="${msg('captchaLabel')}"
             <#if error?has_content>aria-describedby="input-error-altcha"</#if>>
            <#if altchaChallenge??>
                <altcha-widget name="altcha" challenge="${altchaChallenge}" language="esoseska"
                               auto="onload" configuration='{"hideFooter": true, "hideLogo": true}'
                               data-label="${msg('captchaLabel')}" data-verifying="${msg('captchaVerifying')}"
                               data-verified="${msg('captchaVerified')}" data-error="${msg('captchaWidgetError')}"
                               data-expired="${msg('captchaWidgetExpired')}" data-verification-required="${msg('captchaRequired')}"
                               data-wait-alert="${msg('captchaWait')}" data-loading="${msg('captchaLoading')}"
                               data-verify="${msg('captchaVerify')}"></altcha-widget>
                <noscript><p class="esoseska-note">${msg("captchaNoScript")}</p></noscript>
            <#else>
                <p class="esoseska-note" role="alert">${msg("captchaUnavailable")}</p>
            </#if>
        </div>
        <div id="input-error-container-altcha">
            <#if error?has_content>
                <div class="${properties.kcFormHelperTextClass}" aria-live="polite">
                    <div class="${properties.kcInputHelperTextClass}">
                        <div class="${properties.kcInputHelperTextItemClass} ${properties.kcError}" id="input-error-altcha">
                            <span class="${properties.kcInputErrorMessageClass}">${error}</span>
                        </div>
                    </div>
                </div>
            </#if>
        </div>
    </div>
    <#if altchaChallenge??>
        <script type="module" src="${url.resourcesPath}/js/captcha.js"></script>
    </#if>
</#macro>
