from django.conf import settings


def client_ip(request) -> str:
    """The client's address. Behind TRUSTED_PROXY_COUNT proxies that each append to X-Forwarded-For, the
    client is that many entries from the right; anything further left was written by the client itself."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")
