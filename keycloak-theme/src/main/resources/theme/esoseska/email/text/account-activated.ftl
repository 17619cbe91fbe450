<#ftl output_format="plainText">
${msg("accountActivatedBody", (user.firstName)!"", loginUrl)}
