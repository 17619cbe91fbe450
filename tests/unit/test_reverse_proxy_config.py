"""The reverse proxy of the production stack (deploy/nginx/esoseska.conf) compresses text and forwards honestly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "esoseska.conf"


def parse(text: str) -> list:
    """nginx's configuration as nested lists: (name, arguments, block or None) per directive."""
    tokens = re.findall(r"[{};]|[^\s{};]+", re.sub(r"#[^\n]*", "", text))
    position = 0

    def block() -> list:
        nonlocal position
        directives = []
        words: list[str] = []
        while position < len(tokens):
            token = tokens[position]
            position += 1
            if token == ";":
                directives.append((words[0], words[1:], None))
                words = []
            elif token == "{":
                directives.append((words[0], words[1:], block()))
                words = []
            elif token == "}":
                assert not words, f"unterminated directive {words}"
                return directives
            else:
                words.append(token)
        assert not words, f"unterminated directive {words}"
        return directives

    return block()


def directives(config: list, name: str) -> list[list[str]]:
    return [arguments for directive, arguments, _ in config if directive == name]


def one(config: list, name: str) -> list[str]:
    [arguments] = directives(config, name)
    return arguments


@pytest.fixture(scope="module")
def config() -> list:
    return parse(CONFIG.read_text(encoding="utf-8"))


def https_server(config: list, server_name: str = "login.esoseska.example") -> list:
    [server] = [
        body
        for name, _, body in config
        if name == "server"
        and ["443", "ssl"] in directives(body, "listen")
        and one(body, "server_name") == [server_name]
    ]
    return server


def test_the_desk_has_its_own_https_address_that_takes_payer_lists(config):
    desk = https_server(config, "desk.esoseska.example")
    [location] = [body for name, args, body in desk if name == "location" and args == ["/"]]
    assert one(location, "proxy_pass") == ["http://127.0.0.1:8100"]
    assert one(desk, "client_max_body_size") == ["210m"]  # the desk's own limit (200 MB) answers, in Slovenian


def test_text_is_compressed_even_behind_another_proxy(config):
    assert one(config, "gzip") == ["on"]
    assert one(config, "gzip_proxied") == ["any"]
    assert one(config, "gzip_vary") == ["on"]
    # nginx always compresses text/html; the rest of a page's text must be listed
    assert {"text/css", "application/javascript", "text/javascript", "image/svg+xml", "application/json"} <= set(
        one(config, "gzip_types")
    )
    assert 0 < int(one(config, "gzip_min_length")[0]) <= 1024
    assert 1 <= int(one(config, "gzip_comp_level")[0]) <= 6


def test_keycloak_gets_the_forwarded_headers_overwritten(config):
    [location] = [body for name, args, body in https_server(config) if name == "location" and args == ["/"]]
    assert one(location, "proxy_pass") == ["http://127.0.0.1:8080"]
    headers = {args[0]: args[1] for args in directives(location, "proxy_set_header")}
    assert headers["X-Forwarded-For"] == "$remote_addr"  # not $proxy_add_x_forwarded_for: no client-made addresses
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-Host"] == "$host"


def test_the_admin_console_is_not_on_the_residents_address(config):
    [location] = [body for name, args, body in https_server(config) if name == "location" and args == ["/admin/"]]
    assert one(location, "return") == ["404"]


def test_plain_http_only_redirects_to_https(config):
    [plain] = [body for name, _, body in config if name == "server" and ["80"] in directives(body, "listen")]
    assert one(plain, "return")[0] == "301"
    assert not [name for name, _, _ in plain if name == "location"]


def test_the_parser_reads_what_nginx_reads():
    parsed = parse("gzip on; # comment\nserver { location / { return 404; } }")
    assert parsed == [("gzip", ["on"], None), ("server", [], [("location", ["/"], [("return", ["404"], None)])])]
