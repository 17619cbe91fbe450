"""migrate-to-organizations' steps against a stand-in for Keycloak's admin API (the real one:
tests/integration/test_managers_as_organizations.py)."""

from __future__ import annotations

from types import SimpleNamespace

from registration_bridge.models import Manager
from registration_bridge.org_migration import OrganizationMigration


class FakeAdmin:
    def __init__(self) -> None:
        self.connection = SimpleNamespace(realm_name="esoseska")
        self.realm = {"organizationsEnabled": False, "browserFlow": "esoseska browser"}
        self.flows = {
            "esoseska browser": [
                {
                    "id": "c",
                    "displayName": "Cookie",
                    "providerId": "auth-cookie",
                    "level": 0,
                    "requirement": "ALTERNATIVE",
                },
                {
                    "id": "o",
                    "displayName": "esoseska organization",
                    "authenticationFlow": True,
                    "level": 0,
                    "requirement": "ALTERNATIVE",
                    "priority": 26,
                },
                {
                    "id": "oi",
                    "displayName": "Organization Identity-First Login",
                    "providerId": "organization",
                    "level": 1,
                    "requirement": "ALTERNATIVE",
                },
            ],
            "browser": [
                {
                    "id": "b",
                    "displayName": "Organization",
                    "authenticationFlow": True,
                    "level": 0,
                    "requirement": "DISABLED",
                },
            ],
        }
        self.orgs: dict[str, dict] = {}
        self.members: dict[str, set[str]] = {}
        self.users = [
            {
                "id": "u1",
                "username": "ana",
                "attributes": {"payer_accounts": ["staninvest:1"], "managers": ["staninvest"]},
            },
            {"id": "u2", "username": "bojan", "attributes": {"payer_accounts": ["domovanje:2", "gone:3"]}},
            {"id": "u3", "username": "cene"},
        ]

    def get_realm(self, name):
        return dict(self.realm)

    def update_realm(self, name, payload):
        self.realm.update(payload)

    def get_authentication_flow_executions(self, flow):
        return [dict(e) for e in self.flows[flow]]

    def update_authentication_flow_executions(self, payload, flow):
        [execution] = [e for e in self.flows[flow] if e["id"] == payload["id"]]
        assert payload.get("priority") == execution.get("priority")  # sent whole: nothing else changes
        execution.update(payload)

    def get_organizations(self, query):
        assert self.realm["organizationsEnabled"], "404 while organizations are off"
        return list(self.orgs.values())

    def create_organization(self, payload):
        org_id = f"id-{payload['alias']}"
        self.orgs[org_id] = {"id": org_id, **payload}
        self.members[org_id] = set()
        return org_id

    def get_users(self, query):
        return self.users

    def get_organization_members(self, org_id):
        return [{"id": u} for u in self.members[org_id]]

    def organization_user_add(self, user_id, org_id):
        self.members[org_id].add(user_id)


MANAGERS = [
    Manager(id="staninvest", name="Staninvest d.o.o.", contact_email="info@stan.si", enabled=True),
    Manager(id="domovanje", name="Domovanje d.o.o.", contact_email=None, enabled=False),
]


def test_the_migration_enables_disables_creates_and_adds_members_once():
    admin = FakeAdmin()
    steps = [str(s) for s in OrganizationMigration(admin, MANAGERS, dry_run=False).run()]
    assert admin.realm["organizationsEnabled"] is True
    assert admin.flows["esoseska browser"][1]["requirement"] == "DISABLED"
    assert admin.flows["esoseska browser"][0]["requirement"] == "ALTERNATIVE"
    assert admin.orgs["id-staninvest"] == {
        "id": "id-staninvest",
        "alias": "staninvest",
        "name": "Staninvest d.o.o.",
        "enabled": True,
        "attributes": {"contactEmail": ["info@stan.si"]},
    }
    assert admin.orgs["id-domovanje"]["enabled"] is False and "attributes" not in admin.orgs["id-domovanje"]
    assert admin.members == {"id-staninvest": {"u1"}, "id-domovanje": {"u2"}}
    assert "member   bojan in domovanje" in steps
    assert OrganizationMigration(admin, MANAGERS, dry_run=False).run() == []


def test_a_dry_run_says_what_it_would_do_and_does_nothing():
    admin = FakeAdmin()
    steps = [str(s) for s in OrganizationMigration(admin, MANAGERS, dry_run=True).run()]
    assert steps == [
        "enabled  organizations in realm esoseska",
        "disabled step 'esoseska organization' of flow 'esoseska browser'",
        "created  organization staninvest (Staninvest d.o.o.)",
        "created  organization domovanje (Domovanje d.o.o.)",
        "member   ana in staninvest",
        "member   bojan in domovanje",
    ]
    assert admin.realm["organizationsEnabled"] is False and admin.orgs == {}


def test_an_organization_that_has_the_managers_name_under_another_alias_is_a_conflict():
    admin = FakeAdmin()
    admin.realm["organizationsEnabled"] = True
    admin.orgs["x"] = {"id": "x", "alias": "stan", "name": "Staninvest d.o.o."}
    admin.members["x"] = set()
    steps = OrganizationMigration(admin, MANAGERS[:1], dry_run=False).run()
    assert [s.action for s in steps] == ["disabled", "conflict"]
    assert set(admin.orgs) == {"x"}
