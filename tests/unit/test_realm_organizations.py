"""The demo managers are Keycloak Organizations in the realm, the same ones the bridge is seeded with."""

from __future__ import annotations

import csv
import json

from devstack.layout import REALM_FILE, ROOT

ORGANIZATION_ATTRIBUTES = {"contactEmail", "termsUrl", "privacyUrl", "logoUrl", "brandColour"}


def realm() -> dict:
    return json.loads(REALM_FILE.read_text(encoding="utf-8"))


def test_organizations_are_on_and_each_demo_manager_is_one_with_its_alias_name_and_contact_email():
    exported = realm()
    assert exported["organizationsEnabled"] is True
    with open(ROOT / "registration-bridge" / "demo" / "managers.csv", encoding="utf-8", newline="") as managers:
        seeded = {row["id"]: row for row in csv.DictReader(managers)}
    organizations = {org["alias"]: org for org in exported["organizations"]}
    assert organizations.keys() == seeded.keys()
    for alias, org in organizations.items():
        assert org["name"] == seeded[alias]["name"]
        assert org["attributes"]["contactEmail"] == [seeded[alias]["contact_email"]]
        assert org["enabled"] is True


def test_organizations_carry_the_documented_attributes_and_no_domains():
    for org in realm()["organizations"]:
        assert set(org["attributes"]) == ORGANIZATION_ATTRIBUTES, org["alias"]
        assert all(len(values) == 1 and values[0] for values in org["attributes"].values()), org["alias"]
        # a domain would route logins by e-mail domain and check members' e-mail addresses
        assert not org.get("domains"), org["alias"]


def test_the_login_page_is_not_identity_first():
    """Keycloak's Organization step asks for the e-mail alone once a realm has organizations: it stays off."""
    [browser] = [f for f in realm()["authenticationFlows"] if f["alias"] == "esoseska browser"]
    [step] = [e for e in browser["authenticationExecutions"] if e.get("flowAlias") == "esoseska organization"]
    assert step["requirement"] == "DISABLED"
