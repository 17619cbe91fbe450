"""The local stack (Keycloak, registration bridge, mail catcher) for `make run` and the test suite."""
