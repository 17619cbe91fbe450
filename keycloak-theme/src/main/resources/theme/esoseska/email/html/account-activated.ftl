<#import "template.ftl" as layout>
<@layout.emailLayout>
${kcSanitize(msg("accountActivatedBodyHtml", (user.firstName)!"", loginUrl))?no_esc}
</@layout.emailLayout>
