<#import "template.ftl" as layout>
<@layout.emailLayout preheader=msg("emailVerificationIntro")>
<@layout.p>${msg("emailGreeting")}</@layout.p>
<@layout.p>${msg("emailVerificationIntro")}</@layout.p>
<@layout.button href=link label=msg("emailVerificationButton")/>
<@layout.p>${msg("emailLinkExpiry", linkExpirationFormatter(linkExpiration))} ${msg("emailVerificationIgnore")}</@layout.p>
</@layout.emailLayout>
