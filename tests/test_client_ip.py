import pytest

from config.client_ip import client_ip


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.9"),  # no proxy trusted: a client cannot choose its own address
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),  # the entry the proxy appended, not the one the client wrote
        (2, "6.6.6.6, 1.1.1.1, 172.18.0.2", "1.1.1.1"),
        (1, "", "10.0.0.9"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(rf, settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
