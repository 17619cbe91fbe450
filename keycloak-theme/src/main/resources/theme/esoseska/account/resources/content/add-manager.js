// "Dodaj upravnika" in the account console (content.json): this page is only a step on the way. It sends the
// resident straight on to the required action link-manager through the client add-manager-link, replacing itself
// in the history so that Back does not come here again. The way back is /realms/<realm>/esoseska-account-return,
// which drops the code of that return and opens the account console (AccountReturnResourceProviderFactory).
import { createElement, useEffect } from "react";

export function addManagerUrl(environment) {
  const base = environment.serverBaseUrl.replace(/\/+$/, "");
  const url = new URL(`${base}/realms/${encodeURIComponent(environment.realm)}/protocol/openid-connect/auth`);
  url.searchParams.set("client_id", "add-manager-link");
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", "openid");
  url.searchParams.set("kc_action", "link-manager");
  url.searchParams.set("redirect_uri", `${base}/realms/${encodeURIComponent(environment.realm)}/esoseska-account-return`);
  if (environment.locale) {
    url.searchParams.set("ui_locales", environment.locale);
  }
  return url.toString();
}

export default function AddManager() {
  const environment = JSON.parse(document.getElementById("environment").textContent);
  const href = addManagerUrl(environment);
  useEffect(() => window.location.replace(href), [href]);
  return createElement("a", { href }, "Dodaj upravnika");
}
