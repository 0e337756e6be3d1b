"""CORS: any origin may read; writes stay same-origin."""


def test_a_read_from_another_origin_is_allowed_and_sees_the_etag(client, db):
    response = client.get("/api/v1/types/", HTTP_ORIGIN="https://notebook.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_a_cross_origin_write_is_not_allowed_by_the_preflight(client, db):
    response = client.options(
        "/api/v1/relations/",
        HTTP_ORIGIN="https://elsewhere.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    allowed = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    assert "POST" not in allowed
    assert {"GET", "HEAD"} <= allowed
    assert "Access-Control-Allow-Credentials" not in response
