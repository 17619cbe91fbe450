<#import "template.ftl" as layout>
<@layout.emailLayout preheader=msg("accountActivatedIntro")>
<@layout.p><#if (user.firstName)?has_content>${msg("emailGreetingName", user.firstName)}<#else>${msg("emailGreeting")}</#if></@layout.p>
<@layout.p>${msg("accountActivatedIntro")}</@layout.p>
<@layout.button href=loginUrl label=msg("accountActivatedButton")/>
</@layout.emailLayout>
