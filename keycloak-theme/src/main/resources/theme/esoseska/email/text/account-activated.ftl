<#ftl output_format="plainText">
${msg("accountActivatedBody", (user.firstName)!"", loginUrl)}
<#if brand.manager>

${msg("emailFooterManager", brand.name)}
</#if>
