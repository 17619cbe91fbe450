<#--
  The layout of every eSoseska e-mail, for mail programs (Gmail, Outlook, Apple Mail, phones): nested tables, every
  style inline, no <style> block and no external CSS, at most 600 px wide and full width on a phone. On top the logo
  of the resident's manager (brand, from BrandedEmailTemplateProvider) or of eSoseska, its alt text the name; the
  button in the brand colour (at least 4.5:1 with its white text).
-->
<#assign font = "font-family:Arial,Helvetica,sans-serif;">
<#macro emailLayout preheader="">
<!DOCTYPE html>
<html lang="${locale.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<title>${brand.name}</title>
</head>
<body style="margin:0;padding:0;background-color:#f2f4f7;">
<#if preheader?has_content><div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${preheader}</div></#if>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f2f4f7;">
<tr><td align="center" style="padding:24px 12px;">
<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:#ffffff;border-top:6px solid ${brand.colour};">
<tr><td style="padding:24px 24px 8px 24px;">
<img src="${brand.logoUrl}" alt="${brand.name}" height="44" style="display:block;height:44px;width:auto;max-width:100%;border:0;${font}font-size:22px;font-weight:bold;color:${brand.colour};">
</td></tr>
<tr><td style="padding:16px 24px 8px 24px;${font}font-size:18px;line-height:1.5;color:#1b1b1b;">
<#nested>
</td></tr>
<tr><td style="padding:16px 24px 24px 24px;border-top:1px solid #d9dde1;${font}font-size:14px;line-height:1.5;color:#4b4b4b;">
<#if brand.manager>${msg("emailFooterManager", brand.name)}<#else>${msg("emailFooter")}</#if>
</td></tr>
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td></tr>
</table>
</body>
</html>
</#macro>

<#macro p><p style="margin:0 0 16px 0;${font}font-size:18px;line-height:1.5;color:#1b1b1b;"><#nested></p></#macro>

<#-- A "bulletproof" button: the coloured cell is the target in Outlook too; the address below it for who can not click. -->
<#macro button href label>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 24px 0;">
<tr><td align="center" bgcolor="${brand.colour}" style="background-color:${brand.colour};border-radius:4px;">
<a href="${href}" style="display:inline-block;padding:14px 28px;${font}font-size:18px;font-weight:bold;line-height:1.2;color:#ffffff;text-decoration:none;border-radius:4px;">${label}</a>
</td></tr>
</table>
<p style="margin:0 0 16px 0;${font}font-size:14px;line-height:1.5;color:#4b4b4b;">${msg("emailLinkFallback")}<br><a href="${href}" style="color:${brand.colour};word-break:break-all;">${href}</a></p>
</#macro>
