<#ftl output_format="plainText">
${msg("passwordResetBody", link, linkExpiration, realmName, linkExpirationFormatter(linkExpiration))}
<#if brand.manager>

${msg("emailFooterManager", brand.name)}
</#if>
