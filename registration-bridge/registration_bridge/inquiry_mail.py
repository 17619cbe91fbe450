"""The HTML part of the inquiry mail to a manager: the layout of eSoseska's other mails (tables, inline styles).

Everything from the visitor is escaped; the logo and colour come from Keycloak (the manager's organization, or the
platform's) and are used only when they are an http(s) address and a `#rrggbb` colour.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

PLATFORM_COLOUR = "#0b5cad"
FONT = "font-family:Arial,Helvetica,sans-serif;"
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def usable_logo(url: str | None) -> str | None:
    """An absolute http(s) address without spaces, else None (the mail then shows the name instead)."""
    if not url or any(ch.isspace() for ch in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def inquiry_html(
    *, sender_name: str, sender_email: str, message: str, manager_name: str, logo_url: str | None, colour: str | None
) -> str:
    colour = colour if colour and COLOUR.fullmatch(colour) else PLATFORM_COLOUR
    logo = usable_logo(logo_url)
    e = html.escape
    header = (
        f'<img src="{e(logo)}" alt="{e(manager_name)}" height="44" style="display:block;height:44px;width:auto;'
        f'max-width:100%;border:0;{FONT}font-size:22px;font-weight:bold;color:{colour};">'
        if logo
        else f'<p style="margin:0;{FONT}font-size:22px;font-weight:bold;color:{colour};">{e(manager_name)}</p>'
    )
    body = "<br>".join(e(line) for line in message.split("\n"))
    paragraph = f"margin:0 0 16px 0;{FONT}font-size:18px;line-height:1.5;color:#1b1b1b;"
    return (
        '<!DOCTYPE html>\n<html lang="sl">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Povpraševanje z eSoseske</title>\n</head>\n"
        '<body style="margin:0;padding:0;background-color:#f2f4f7;">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background-color:#f2f4f7;">\n<tr><td align="center" style="padding:24px 12px;">\n'
        '<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"><tr><td>'
        "<![endif]-->\n"
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="width:100%;max-width:600px;background-color:#ffffff;border-top:6px solid {colour};">\n'
        f'<tr><td style="padding:24px 24px 8px 24px;">{header}</td></tr>\n'
        f'<tr><td style="padding:16px 24px 8px 24px;{FONT}font-size:18px;line-height:1.5;color:#1b1b1b;">\n'
        f'<p style="{paragraph}"><strong>{e(sender_name)}</strong> '
        f'&lt;<a href="mailto:{e(sender_email)}" style="color:{colour};">{e(sender_email)}</a>&gt; '
        "sprašuje prek portala eSoseska:</p>\n"
        f'<p style="{paragraph}padding:12px 16px;background-color:#f2f4f7;border-left:4px solid {colour};">'
        f"{body}</p>\n"
        f'<p style="{paragraph}">Odgovorite na to sporočilo; odgovor prejme pošiljatelj.</p>\n'
        "</td></tr>\n"
        f'<tr><td style="padding:16px 24px 24px 24px;border-top:1px solid #d9dde1;{FONT}font-size:14px;'
        f'line-height:1.5;color:#4b4b4b;">To povpraševanje je za upravnika {e(manager_name)} poslal portal '
        "eSoseska.</td></tr>\n"
        "</table>\n<!--[if mso]></td></tr></table><![endif]-->\n</td></tr>\n</table>\n</body>\n</html>\n"
    )
