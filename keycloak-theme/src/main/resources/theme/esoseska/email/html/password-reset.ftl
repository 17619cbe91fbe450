<#import "template.ftl" as layout>
<@layout.emailLayout preheader=msg("passwordResetIntro")>
<@layout.p>${msg("emailGreeting")}</@layout.p>
<@layout.p>${msg("passwordResetIntro")}</@layout.p>
<@layout.button href=link label=msg("passwordResetButton")/>
<@layout.p>${msg("emailLinkExpiry", linkExpirationFormatter(linkExpiration))} ${msg("passwordResetIgnore")}</@layout.p>
</@layout.emailLayout>
