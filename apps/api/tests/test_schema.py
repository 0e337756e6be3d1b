"""The OpenAPI schema and the interactive docs, served without any CDN."""

from django.core.management import call_command


def test_the_schema_passes_spectacular_validation_without_warnings(db, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/diff/" in text
    assert "/api/v1/releases/{name}/structs/{struct}/" in text


def test_the_schema_is_served_as_openapi_3(client, db):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "If-Match" in schema["info"]["description"]


def test_the_docs_load_their_assets_from_our_static_files(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "drf_spectacular_sidecar" in html
    assert "cdn." not in html and "unpkg" not in html


def test_the_browsable_api_stays(client, db):
    response = client.get("/api/v1/types/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_the_schema_says_anyone_may_read_and_lists_the_errors_of_each_operation(client, db):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404"} <= codes, (method, path)
            # Decoding writes nothing: anyone may POST a dump to it.
            if method == "get" or (method, path) == ("post", "/api/v1/decode/"):
                assert {} in operation.get("security", [{}]), (method, path)
            else:
                assert {} not in operation.get("security", []), (method, path)
            if method in ("put", "patch", "delete"):
                assert "412" in codes, (method, path)
    assert {} in paths["/api/v1/types/"]["get"]["security"]
