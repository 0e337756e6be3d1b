"""Redis down: every page computes its answer without the cache, the failure is logged once,
and /healthz reports the cache as degraded while the site stays up."""

import logging

import pytest
from django.test import override_settings

from apps.kernel import safe_cache as safe_cache_module
from apps.kernel.tests.factory import make_memtype, make_relation
from memtypes_site.env import cache_from_url
from memtypes_site.tests.test_healthz import closed_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(monkeypatch):
    monkeypatch.setitem(safe_cache_module._failing, "now", False)  # as in a fresh process
    with override_settings(CACHES={"default": cache_from_url(f"redis://127.0.0.1:{closed_port()}/0")}):
        yield


def test_pages_and_diagrams_answer_without_the_cache_and_the_failure_is_logged_once(client, redis_down, caplog):
    page = make_memtype("page", area="page")
    make_relation(page, make_memtype("folio", area="folio", description="A *folio*."))
    with caplog.at_level(logging.WARNING, logger="memtypes.cache"):
        for path in ["/", "/types/folio/", "/diagram.svg", "/types/folio/diagram.png", "/", "/diagram.svg"]:
            response = client.get(path)
            assert response.status_code == 200, path
    assert b"<svg" in client.get("/").content
    unavailable = [r for r in caplog.records if "Cache unavailable" in r.getMessage()]
    assert len(unavailable) == 1


def test_healthz_reports_the_cache_as_degraded_and_the_site_as_up(client, redis_down):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["cache"].startswith("degraded: ")


def test_an_editor_can_still_save_a_type_with_a_description(redis_down):
    folio = make_memtype("folio", description="Uses `mapping`.")
    assert "<code>mapping</code>" in folio.description_html
