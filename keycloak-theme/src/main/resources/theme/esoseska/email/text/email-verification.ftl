<#ftl output_format="plainText">
${msg("emailVerificationBody", link, linkExpiration, realmName, linkExpirationFormatter(linkExpiration))}
<#if brand.manager>

${msg("emailFooterManager", brand.name)}
</#if>
